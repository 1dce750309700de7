import type { Job, Payment, Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { getChain } from "../../payments/chain-service";
import { attempt, type Attempt, type PaymentWithJob } from "./settle-attempt";
import { publish } from "../events/bus";
import { isBillable } from "./billing";

/**
 * Settlement after delivery (x402's order: verify, work, settle). A payment is
 * settled once its job ended billably (completed, failed with job_error,
 * timed_out) and voided when it ended on the node's side or was cancelled.
 *
 * Never pays twice: an EIP-3009 authorization can be used once on chain, and
 * before sending we ask the token whether it already was; if so (a sender that
 * crashed after sending, a facilitator whose answer was lost) we find that
 * transfer and record it instead. Transient failures retry with exponential
 * backoff; failures no retry can fix mark the payment failed, for admins.
 */

/** A claimed payment is not taken again for this long (a crashed sender's claim expires). */
export const CLAIM_LEASE_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Claimed payments are handled this many at a time (broadcasts are serialized by the relayer anyway). */
const CONCURRENCY = 8;

export type SettleOutcome = "confirmed" | "recovered" | "retry" | "failed" | "voided" | "skipped";

export function backoffMs(attempts: number): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

const billable = (job: Job) => isBillable(job);
const voidable = (job: Job) =>
  job.status === "cancelled" || (job.status === "failed" && job.failureReason === "node_error");

const billableJobWhere: Prisma.JobWhereInput = {
  OR: [{ status: { in: ["completed", "timed_out"] } }, { status: "failed", failureReason: "job_error" }],
};
const voidableJobWhere: Prisma.JobWhereInput = {
  OR: [{ status: "cancelled" }, { status: "failed", failureReason: "node_error" }],
};

async function announcePayment(
  deps: Pick<Deps, "redis">,
  p: Pick<Payment, "jobId" | "status" | "txHash">,
): Promise<void> {
  await publish(deps, `job:${p.jobId}`, {
    type: "payment",
    jobId: p.jobId,
    status: p.status,
    txHash: p.txHash,
    at: new Date().toISOString(),
  });
}

/** Takes the payment for one attempt; false when it is not due or someone else holds it. */
async function claim(deps: Deps, paymentId: string, force = false): Promise<boolean> {
  const now = deps.clock.now();
  const { count } = await deps.prisma.payment.updateMany({
    where: {
      id: paymentId,
      status: { in: ["pending", "settling"] },
      ...(force ? {} : { OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] }),
    },
    data: {
      status: "settling",
      settlementAttempts: { increment: 1 },
      nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS),
    },
  });
  return count === 1;
}

/** Records an attempt's outcome on a claimed payment. */
async function record(deps: Deps, p: PaymentWithJob, a: Attempt): Promise<SettleOutcome> {
  const now = deps.clock.now();
  const where = { id: p.id, status: "settling" };
  if (a.kind === "confirmed") {
    const txHash = a.transfer.txHash;
    const done = await deps.prisma.$transaction(async (tx) => {
      const { count } = await tx.payment.updateMany({
        where,
        data: {
          status: "confirmed",
          txHash,
          blockNumber: a.transfer.blockNumber,
          confirmedAt: now,
          nextAttemptAt: null,
          lastError: null,
        },
      });
      if (count) await tx.job.update({ where: { id: p.jobId }, data: { paymentTxHash: txHash } });
      return count === 1;
    });
    if (!done) return "skipped";
    if (p.job.completedAt) deps.metrics.settlementLatency.observe((now.getTime() - p.job.completedAt.getTime()) / 1000);
    await announcePayment(deps, { jobId: p.jobId, status: "confirmed", txHash });
    deps.log.info({ paymentId: p.id, jobId: p.jobId, txHash, recovered: a.recovered }, "payment settled");
    return a.recovered ? "recovered" : "confirmed";
  }
  if (a.kind === "failed") {
    await deps.prisma.payment.updateMany({
      where,
      data: { status: "failed", lastError: a.error, nextAttemptAt: null },
    });
    await announcePayment(deps, { jobId: p.jobId, status: "failed", txHash: null });
    deps.log.warn({ paymentId: p.id, jobId: p.jobId, error: a.error }, "payment settlement failed for good");
    return "failed";
  }
  const attempts = p.settlementAttempts; // this attempt included (counted at the claim)
  await deps.prisma.payment.updateMany({
    where,
    data: {
      lastError: a.error,
      nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)),
      ...(a.txHash && !p.txHash ? { txHash: a.txHash } : {}),
    },
  });
  deps.log.warn({ paymentId: p.id, jobId: p.jobId, attempts, error: a.error }, "payment settlement will be retried");
  return "retry";
}

/** Settles one payment if it is due (or `force`), idempotently. */
export async function settlePayment(
  deps: Deps,
  paymentId: string,
  opts: { force?: boolean } = {},
): Promise<SettleOutcome> {
  if (!(await claim(deps, paymentId, opts.force))) return "skipped";
  const p = await deps.prisma.payment.findUniqueOrThrow({ where: { id: paymentId }, include: { job: true } });
  if (!billable(p.job)) {
    // Claimed by mistake (e.g. an admin retry on a job that is still running): hand it back.
    await deps.prisma.payment.updateMany({
      where: { id: p.id, status: "settling" },
      data: { status: "pending", nextAttemptAt: null },
    });
    return "skipped";
  }
  const chain = await getChain(deps).catch((err: unknown) => err as Error);
  const result: Attempt =
    chain instanceof Error
      ? { kind: "retry", error: `chain unavailable: ${chain.message.split("\n")[0]}` }
      : await attempt(deps, chain, p);
  const outcome = await record(deps, p, result);
  if (outcome !== "skipped") deps.metrics.settlements.inc({ outcome });
  return outcome;
}

/** Node errors and cancellations are never settled: the buyer pays nothing. */
export async function voidPayments(deps: Deps, jobIds?: string[]): Promise<number> {
  const rows = await deps.prisma.payment.findMany({
    where: {
      status: { in: ["pending", "settling"] },
      job: voidableJobWhere,
      ...(jobIds ? { jobId: { in: jobIds } } : {}),
    },
    select: { id: true, jobId: true },
    take: 500,
  });
  let voided = 0;
  for (const row of rows) {
    const { count } = await deps.prisma.payment.updateMany({
      where: { id: row.id, status: { in: ["pending", "settling"] }, txHash: null },
      data: { status: "voided", nextAttemptAt: null },
    });
    if (count) {
      voided++;
      deps.metrics.settlements.inc({ outcome: "voided" });
      await announcePayment(deps, { jobId: row.jobId, status: "voided", txHash: null });
    }
  }
  return voided;
}

/** Settles or voids the payment of one finished job (the worker's reaction to a nudge). */
export async function settleJobPayment(deps: Deps, jobId: string): Promise<SettleOutcome> {
  const p = await deps.prisma.payment.findUnique({ where: { jobId }, include: { job: true } });
  if (!p || (p.status !== "pending" && p.status !== "settling")) return "skipped";
  if (voidable(p.job)) return (await voidPayments(deps, [jobId])) ? "voided" : "skipped";
  if (!billable(p.job)) return "skipped";
  return settlePayment(deps, p.id);
}

/** One sweep: void what must never be paid, settle what is due. */
export async function settlementPass(deps: Deps, limit = 100): Promise<Record<SettleOutcome, number>> {
  const counts: Record<SettleOutcome, number> = {
    confirmed: 0,
    recovered: 0,
    retry: 0,
    failed: 0,
    voided: 0,
    skipped: 0,
  };
  counts.voided = await voidPayments(deps);
  const now = deps.clock.now();
  const due = await deps.prisma.payment.findMany({
    where: {
      status: { in: ["pending", "settling"] },
      OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }],
      job: billableJobWhere,
    },
    select: { id: true },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    const outcomes = await Promise.all(due.slice(i, i + CONCURRENCY).map((d) => settlePayment(deps, d.id)));
    for (const o of outcomes) counts[o]++;
  }
  return counts;
}
