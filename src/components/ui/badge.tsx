import { cn } from "./cn";

export type Tone = "green" | "amber" | "blue" | "indigo" | "violet" | "red" | "orange" | "slate";

const tones: Record<Tone, { badge: string; dot: string }> = {
  green: { badge: "bg-emerald-50 text-emerald-700 ring-emerald-600/20", dot: "bg-emerald-500" },
  amber: { badge: "bg-amber-50 text-amber-800 ring-amber-600/20", dot: "bg-amber-500" },
  blue: { badge: "bg-sky-50 text-sky-700 ring-sky-600/20", dot: "bg-sky-500" },
  indigo: { badge: "bg-indigo-50 text-indigo-700 ring-indigo-600/20", dot: "bg-indigo-500" },
  violet: { badge: "bg-violet-50 text-violet-700 ring-violet-600/20", dot: "bg-violet-500" },
  red: { badge: "bg-rose-50 text-rose-700 ring-rose-600/20", dot: "bg-rose-500" },
  orange: { badge: "bg-orange-50 text-orange-700 ring-orange-600/20", dot: "bg-orange-500" },
  slate: { badge: "bg-slate-100 text-slate-600 ring-slate-500/20", dot: "bg-slate-400" },
};

export function Badge({
  tone = "slate",
  dot = false,
  pulse = false,
  className,
  children,
}: {
  tone?: Tone;
  dot?: boolean;
  pulse?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  const t = tones[tone];
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        t.badge,
        className,
      )}
    >
      {dot && (
        <span className="relative flex size-1.5">
          {pulse && (
            <span className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-75", t.dot)} />
          )}
          <span className={cn("relative inline-flex size-1.5 rounded-full", t.dot)} />
        </span>
      )}
      {children}
    </span>
  );
}

const NODE_STATUS: Record<string, { tone: Tone; label: string; pulse?: boolean }> = {
  available: { tone: "green", label: "Available", pulse: true },
  busy: { tone: "amber", label: "Busy" },
  offline: { tone: "slate", label: "Offline" },
  paused: { tone: "violet", label: "Paused" },
  suspended: { tone: "red", label: "Suspended" },
};

export function NodeStatusBadge({ status }: { status: string }) {
  const s = NODE_STATUS[status] ?? { tone: "slate" as Tone, label: status };
  return (
    <Badge tone={s.tone} dot pulse={s.pulse} className="capitalize">
      <span data-testid="node-status">{s.label}</span>
    </Badge>
  );
}

const JOB_STATUS: Record<string, { tone: Tone; label: string; pulse?: boolean }> = {
  queued: { tone: "blue", label: "Queued" },
  running: { tone: "indigo", label: "Running", pulse: true },
  completed: { tone: "green", label: "Completed" },
  failed: { tone: "red", label: "Failed" },
  timed_out: { tone: "orange", label: "Timed out" },
  cancelled: { tone: "slate", label: "Cancelled" },
};

export function jobStatusLabel(status: string): string {
  return JOB_STATUS[status]?.label ?? status;
}

export function JobStatusBadge({ status }: { status: string }) {
  const s = JOB_STATUS[status] ?? { tone: "slate" as Tone, label: status };
  return (
    <Badge tone={s.tone} dot pulse={s.pulse}>
      <span data-testid="job-status">{s.label}</span>
    </Badge>
  );
}

const PAYMENT_STATUS: Record<string, { tone: Tone; label: string }> = {
  authorizing: { tone: "blue", label: "Being collected" },
  held: { tone: "blue", label: "Held in escrow" },
  settling: { tone: "amber", label: "Settling" },
  captured: { tone: "green", label: "Captured" },
  voided: { tone: "slate", label: "Voided (not charged)" },
  reclaimable: { tone: "amber", label: "Reclaimable by the buyer" },
  reclaimed: { tone: "slate", label: "Reclaimed by the buyer" },
  failed: { tone: "red", label: "Settlement failed" },
};

export function PaymentStatusBadge({ status }: { status: string }) {
  const s = PAYMENT_STATUS[status] ?? { tone: "slate" as Tone, label: status };
  return <Badge tone={s.tone}>{s.label}</Badge>;
}
