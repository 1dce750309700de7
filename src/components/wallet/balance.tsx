"use client";

import { useQuery } from "@tanstack/react-query";
import { formatUsdc, usdToAtomic } from "@/lib/money";
import { useTRPC } from "@/trpc/react";
import { useSession } from "./session";

/**
 * The signed-in wallet's USDC: what it can pay for jobs with (the demo wallet starts
 * with 1,000 test USDC). Refreshed every 15 s and when the tab regains focus, so a
 * payment or a refund shows up without a reload.
 */
export function useUsdcBalance() {
  const trpc = useTRPC();
  const { session } = useSession();
  return useQuery(
    trpc.payments.balance.queryOptions(undefined, {
      enabled: Boolean(session),
      staleTime: 5_000,
      refetchInterval: 15_000,
    }),
  );
}

/** "$1000.00 USDC" (exact, to the USDC unit), or "…" while loading, "unknown" when the chain did not answer. */
export function UsdcBalance({ className }: { className?: string }) {
  const balance = useUsdcBalance();
  const text = balance.data
    ? balance.data.usdc === null
      ? "unknown"
      : `$${formatUsdc(usdToAtomic(balance.data.usdc))} USDC`
    : "…";
  return (
    <span className={className} data-testid="usdc-balance" title={balance.data?.network}>
      {text}
    </span>
  );
}
