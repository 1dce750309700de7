import { cn } from "@/components/ui";
import { CheckIcon, XIcon } from "@/components/ui/icons";
import { formatTime } from "@/lib/format";
import type { RouterOutputs } from "@/trpc/react";

type Job = RouterOutputs["jobs"]["get"];
type State = "done" | "current" | "upcoming" | "bad" | "skipped";

interface Step {
  key: string;
  label: string;
  detail?: string;
  at?: string | null;
  state: State;
}

const FINISHED: Record<string, string> = {
  completed: "Completed",
  failed: "Failed",
  timed_out: "Timed out",
  cancelled: "Cancelled",
};

/** queued → running → completed/failed → captured (or voided / free), from the job as it is now. */
export function timelineOf(job: Job): Step[] {
  const terminal = job.status in FINISHED;
  const started = Boolean(job.startedAt) || job.status === "running" || (terminal && job.status !== "cancelled");
  const badEnd = job.status === "failed" || job.status === "timed_out" || job.status === "cancelled";
  const p = job.payment;
  const settleStep: Step = !p
    ? { key: "settled", label: "No payment", detail: "Free node", state: terminal ? "done" : "upcoming" }
    : p.status === "captured"
      ? {
          key: "settled",
          label: "Captured",
          at: p.confirmedAt,
          detail:
            p.scheme === "exact"
              ? `${p.capturedUsdc ?? p.amountUsdc} USDC paid to the seller at submission`
              : `${p.capturedUsdc} USDC for ${p.billedSeconds ?? "?"} s to the seller, ${p.returnedUsdc} USDC returned`,
          state: "done",
        }
      : p.status === "voided"
        ? {
            key: "settled",
            label: "Voided",
            detail: `${p.returnedUsdc ?? p.amountUsdc} USDC returned: you were not charged`,
            state: "skipped",
          }
        : p.status === "failed"
          ? { key: "settled", label: "Settlement failed", detail: "An admin will retry it", state: "bad" }
          : p.status === "reclaimable" || p.status === "reclaimed"
            ? {
                key: "settled",
                label: p.status === "reclaimed" ? "Reclaimed" : "Reclaimable",
                detail: "The capture deadline passed: the buyer takes the hold back from the escrow",
                state: "bad",
              }
            : {
                key: "settled",
                label: p.status === "settling" ? "Settling…" : "Held in escrow",
                detail: `${p.amountUsdc} USDC held; the seconds used are captured when the job ends, the rest comes back`,
                state: terminal ? "current" : "upcoming",
              };
  return [
    {
      key: "queued",
      label: "Queued",
      at: job.createdAt,
      detail: "Waiting for the node",
      state: job.status === "queued" ? "current" : "done",
    },
    {
      key: "running",
      label: "Running",
      at: job.startedAt,
      state:
        job.status === "running" ? "current" : started ? "done" : job.status === "cancelled" ? "skipped" : "upcoming",
    },
    {
      key: "finished",
      label: terminal ? FINISHED[job.status]! : "Completed",
      at: job.completedAt,
      detail:
        job.status === "failed"
          ? job.failureReason === "node_error"
            ? "The node failed: you are not charged"
            : `Exit code ${job.exitCode ?? "?"}`
          : job.status === "completed" && job.exitCode !== null
            ? `Exit code ${job.exitCode}`
            : undefined,
      state: terminal ? (badEnd ? "bad" : "done") : "upcoming",
    },
    settleStep,
  ];
}

const dot: Record<State, string> = {
  done: "bg-emerald-500 text-white",
  current: "bg-indigo-600 text-white ring-4 ring-indigo-100",
  upcoming: "bg-white text-slate-300 ring-2 ring-slate-200",
  bad: "bg-rose-500 text-white",
  skipped: "bg-slate-300 text-white",
};

export function JobTimeline({ job }: { job: Job }) {
  const steps = timelineOf(job);
  return (
    <ol className="grid grid-cols-2 gap-4 sm:grid-cols-4" aria-label="Job progress" data-testid="job-timeline">
      {steps.map((s, i) => (
        <li key={s.key} className="relative flex gap-3 sm:flex-col sm:gap-2" data-state={s.state} data-step={s.key}>
          {i < steps.length - 1 && (
            <span
              aria-hidden
              className={cn(
                "absolute top-3.5 left-8 hidden h-0.5 w-[calc(100%-1rem)] sm:block",
                s.state === "done" ? "bg-emerald-300" : "bg-slate-200",
              )}
            />
          )}
          <span
            className={cn("relative z-10 flex size-7 shrink-0 items-center justify-center rounded-full", dot[s.state])}
          >
            {s.state === "done" ? (
              <CheckIcon className="size-4" />
            ) : s.state === "bad" ? (
              <XIcon className="size-4" />
            ) : s.state === "current" ? (
              <span className="size-2 animate-pulse rounded-full bg-white" />
            ) : (
              <span className="size-2 rounded-full bg-current" />
            )}
          </span>
          <div className="min-w-0">
            <p className={cn("text-sm font-medium", s.state === "upcoming" ? "text-slate-400" : "text-slate-900")}>
              {s.label}
            </p>
            <p className="text-xs text-slate-500">
              {s.at ? formatTime(s.at) : null}
              {s.at && s.detail ? " · " : null}
              {s.detail}
            </p>
          </div>
        </li>
      ))}
    </ol>
  );
}
