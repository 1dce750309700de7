import type { Job, Node } from "@/generated/prisma/client";
import { quoteAtomic } from "@/lib/money";
import { agentReported, isBillable, isTerminal } from "../jobs/job-states";

export { isBillable };

/**
 * The billing rule, in one place: what a job's capture is after delivery.
 *
 * Billed seconds are the server-clocked run time from the agent's claim
 * (`startedAt`) to its report (`completedAt`), rounded up to the second, at least
 * 1 s and at most the job's max duration; a job stopped at its limit is billed the
 * max duration. The capture is `ceil(price_per_hour × billed_seconds / 3600)` in
 * atomic USDC (the seller is never short-changed by rounding), never above the
 * ceiling that was held.
 *
 * Only billable work is captured (job-states.ts isBillable, the one rule);
 * everything else is voided (the buyer pays nothing).
 */
export type SettlementDecision =
  | { kind: "wait"; reason: "not_finished" | "void_grace"; until?: Date }
  | { kind: "void"; reason: string }
  | { kind: "capture"; billedSeconds: number; amountAtomic: bigint };

type BillableJob = Pick<
  Job,
  "status" | "failureReason" | "startedAt" | "completedAt" | "maxDurationSeconds" | "durationMs"
>;

export function billedSeconds(job: BillableJob): number {
  if (job.status === "timed_out") return job.maxDurationSeconds;
  if (!job.startedAt || !job.completedAt) return 1;
  const ms = job.completedAt.getTime() - job.startedAt.getTime();
  return Math.min(job.maxDurationSeconds, Math.max(1, Math.ceil(ms / 1000)));
}

/** What a billed run costs, capped at the held ceiling. */
export function captureAmount(pricePerHour: Node["pricePerHour"] | string, seconds: number, ceiling: bigint): bigint {
  const amount = quoteAtomic(pricePerHour.toString(), seconds);
  return amount > ceiling ? ceiling : amount;
}

/**
 * What settlement does with a job's held payment now. A started job that ended
 * without a report from its agent (node_error, watchdog timeout) is voided only
 * after `voidGraceSeconds`: a late report from its agent may still turn it into
 * delivered work (issue 11.5).
 */
export function settlementDecision(
  job: BillableJob,
  node: { pricePerHour: Node["pricePerHour"] | string },
  ceiling: bigint,
  now: Date,
  voidGraceSeconds: number,
): SettlementDecision {
  if (!isTerminal(job.status)) return { kind: "wait", reason: "not_finished" };
  if (isBillable(job)) {
    const seconds = billedSeconds(job);
    return {
      kind: "capture",
      billedSeconds: seconds,
      amountAtomic: captureAmount(node.pricePerHour, seconds, ceiling),
    };
  }
  if (job.startedAt && !agentReported(job)) {
    const until = new Date((job.completedAt ?? now).getTime() + voidGraceSeconds * 1000);
    if (until > now) return { kind: "wait", reason: "void_grace", until };
  }
  return { kind: "void", reason: voidReason(job) };
}

function voidReason(job: BillableJob): string {
  if (job.status === "cancelled") return "cancelled";
  if (!job.startedAt) return "never_started";
  if (job.status === "timed_out") return "not_reported";
  return job.failureReason ?? job.status;
}

/** The marketplace fee on a capture: floor(amount × bps / 10000), as the escrow computes its bounds. */
export function feeOf(amount: bigint, feeBps: number): bigint {
  return (amount * BigInt(feeBps)) / 10_000n;
}
