import type { HTMLAttributes } from "react";
import { usdAmount } from "@/lib/format";
import { cn } from "./cn";

/**
 * A USD amount, rounded for reading ("$0.0017"); when rounded or under a cent,
 * hovering shows the exact amount ("Exactly $0.001667").
 */
export function Usd({
  value,
  unit,
  className,
  ...rest
}: { value: string | null | undefined; unit?: string } & HTMLAttributes<HTMLSpanElement>) {
  const { text, exact } = usdAmount(value, { unit });
  return (
    <span
      title={exact ? `Exactly ${exact}` : undefined}
      className={cn("tabular-nums", exact && "cursor-help underline decoration-slate-300 decoration-dotted", className)}
      {...rest}
    >
      {text}
    </span>
  );
}
