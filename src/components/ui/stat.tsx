import { cn } from "./cn";

/** A headline number with its label and an optional line under it. */
export function Stat({
  label,
  value,
  hint,
  tone = "default",
  className,
  ...rest
}: {
  label: string;
  value: React.ReactNode;
  hint?: React.ReactNode;
  tone?: "default" | "good" | "bad";
  className?: string;
} & Omit<React.HTMLAttributes<HTMLDivElement>, "title">) {
  return (
    <div className={cn("min-w-0 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-5", className)} {...rest}>
      {/* Labels and hints wrap (never cut) in narrow grid cells, e.g. two columns at 390 px. */}
      <dt className="text-xs leading-tight font-medium tracking-wide break-words text-slate-500 uppercase">{label}</dt>
      <dd
        className={cn(
          "mt-1 truncate text-2xl font-semibold tracking-tight tabular-nums",
          tone === "good" ? "text-emerald-700" : tone === "bad" ? "text-rose-700" : "text-slate-900",
        )}
      >
        {value}
      </dd>
      {hint && <dd className="mt-0.5 text-xs leading-snug break-words text-slate-500">{hint}</dd>}
    </div>
  );
}

/** A row of Stats: two per row on phones, four on wide screens. */
export function StatGrid({ className, children }: { className?: string; children: React.ReactNode }) {
  return <dl className={cn("grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4", className)}>{children}</dl>;
}
