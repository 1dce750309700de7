import type { Hex } from "viem";
import type { Job, Node, Payment, Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { fromStoredPaymentInfo, feeAmountFor, type PaymentInfo } from "../../payments/escrow/payment-info";
import { EscrowRevertError, type EscrowOps, type PaymentHistory } from "../../payments/escrow/escrow-ops";
import type { ChainService } from "../../payments/chain-service";
import { TERMINAL_JOB_WHERE } from "../jobs/job-states";
import { settlementDecision } from "./billing";
import { announcePayment } from "./payment-events";
import { getEscrow } from "./escrow";
import { recoverCollections } from "./collection-recovery";

/**
 * Settlement of escrowed (auth-capture) payments after the job: capture exactly the
 * billed amount (billing.ts) and void the rest back to the buyer, or void it all.
 *
 * Exactly once: the escrow's own state (`paymentState(paymentInfoHash)`) is read before
 * every send, and the sends only close the gap between what the escrow shows and what
 * is owed (capture `owed − captured`, then void what is still held), so an attempt cut
 * off anywhere is finished, never repeated, by the next one. What is recorded comes
 * from the escrow's events and the token transfers they made (amounts and recipients),
 * never from "some transaction exists". Only the settlement leader sends; a `settling`
 * row left by a crash or a database outage is resolved from the chain as soon as a
 * leader (a new one, or the same process after a restart) takes over, not after the
 * claim lease. Transient failures retry with exponential backoff.
 */

/** A claimed payment is not taken again for this long, unless a new leader takes over. */
export const CLAIM_LEASE_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Claimed payments are handled this many at a time (broadcasts are serialized by the relayer anyway). */
const CONCURRENCY = 8;
/** A submission still collecting its payment after this long was cut off: recovery finishes it. */
const STALE_AUTHORIZING_MS = 3 * 60_000;

export type SettleOutcome = "captured" | "voided" | "recovered" | "retry" | "failed" | "reclaimable" | "skipped";

export function backoffMs(attempts: number): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

type PaymentWithJob = Payment & { job: Job & { node: Node } };

/** Payment ids this process is settling right now (a takeover never claims its own). */
function inFlight(deps: Pick<Deps, "local">): Set<string> {
  return (deps.local.settlingInFlight ??= new Set());
}

/** Takes the payment for one attempt; false when it is not due or someone else holds it. */
async function claim(deps: Deps, paymentId: string, opts: { force?: boolean }): Promise<boolean> {
  if (inFlight(deps).has(paymentId)) return false;
  const now = deps.clock.now();
  const { count } = await deps.prisma.payment.updateMany({
    where: {
      id: paymentId,
      scheme: "auth-capture",
      status: { in: ["held", "settling"] },
      ...(opts.force ? {} : { OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] }),
    },
    data: {
      status: "settling",
      settlementAttempts: { increment: 1 },
      nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS),
    },
  });
  return count === 1;
}

type Attempt =
  | {
      kind: "done";
      status: "captured" | "voided";
      history: PaymentHistory;
      billedSeconds: number | null;
      recovered: boolean;
    }
  | { kind: "wait"; until: Date | null }
  | { kind: "retry"; error: string }
  | { kind: "failed"; error: string }
  | { kind: "reclaimable"; error: string; history: PaymentHistory | null };

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** Whether the relayer has transactions in flight (sent, not mined): recovery waits for them. */
async function relayerBusy(chain: ChainService): Promise<boolean> {
  if (!chain.relayer) return false;
  const [pending, latest] = await Promise.all([
    chain.publicClient.getTransactionCount({ address: chain.relayer.address, blockTag: "pending" }),
    chain.publicClient.getTransactionCount({ address: chain.relayer.address, blockTag: "latest" }),
  ]);
  return pending > latest;
}

async function attempt(deps: Deps, p: PaymentWithJob, recovering: boolean): Promise<Attempt> {
  const now = deps.clock.now();
  const ceiling = BigInt(p.amountAtomic.toFixed(0));
  const decision = settlementDecision(p.job, p.job.node, ceiling, now, deps.env.VOID_GRACE_SECONDS);
  if (decision.kind === "wait") return { kind: "wait", until: decision.until ?? null };
  let info: PaymentInfo;
  try {
    info = fromStoredPaymentInfo(p.paymentInfo);
  } catch (err) {
    return { kind: "failed", error: `stored PaymentInfo is unreadable: ${(err as Error).message.slice(0, 200)}` };
  }
  try {
    const { chain, ops } = await getEscrow(deps);
    if (recovering && (await relayerBusy(chain)))
      return { kind: "retry", error: "waiting for the relayer's transactions in flight" };
    const hash = p.paymentInfoHash as Hex;
    const owed = decision.kind === "capture" ? decision.amountAtomic : 0n;
    const fromBlock = p.settleFromBlock ?? 0n;
    let state = await ops.readPaymentState(hash);
    if (!state.hasCollectedPayment) return { kind: "failed", error: "The escrow never held this payment." };
    let sent = false;
    const captured = state.refundableAmount; // we never refund: refundable = captured so far
    const deadlinePassed = now.getTime() >= info.authorizationExpiry * 1000;
    if (captured < owed && state.capturableAmount > 0n) {
      if (deadlinePassed) {
        return {
          kind: "reclaimable",
          error: "The capture deadline passed before the seconds used were captured; the buyer can reclaim the hold.",
          history: null,
        };
      }
      const amount = owed - captured < state.capturableAmount ? owed - captured : state.capturableAmount;
      await ops.capture(info, amount, p.feeBps, p.feeRecipient as Hex, { onSent: recordSent(deps, p.id) });
      sent = true;
      state = await ops.readPaymentState(hash);
    }
    if (state.capturableAmount > 0n) {
      await ops.void(info, { onSent: recordSent(deps, p.id) });
      sent = true;
      state = await ops.readPaymentState(hash);
    }
    const history = await ops.readPaymentHistory(info, { fromBlock });
    if (history.reclaimed.length) return { kind: "reclaimable", error: "Reclaimed by the buyer.", history };
    return {
      kind: "done",
      status: state.refundableAmount > 0n ? "captured" : "voided",
      history,
      billedSeconds: decision.kind === "capture" ? decision.billedSeconds : null,
      recovered: !sent,
    };
  } catch (err) {
    if (err instanceof EscrowRevertError) {
      if (err.reason === "AfterAuthorizationExpiry") {
        return {
          kind: "reclaimable",
          error: "The capture deadline passed; the buyer can reclaim the hold.",
          history: null,
        };
      }
      // A state change raced us (another capture or void landed): the next attempt reads it.
      if (err.reason === "ZeroAuthorization" || err.reason === "InsufficientAuthorization") {
        return { kind: "retry", error: err.message };
      }
      return { kind: "failed", error: err.message.slice(0, 500) };
    }
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return { kind: "retry", error: `chain error: ${message}` };
  }
}

/** Persists a capture/void transaction hash as soon as it is broadcast (for admins; recovery reads the escrow). */
const recordSent = (deps: Deps, paymentId: string) => async (txHash: Hex) => {
  await deps.prisma.payment
    .update({ where: { id: paymentId }, data: { lastError: `sent ${txHash}, awaiting receipt` } })
    .catch(() => undefined);
};

/** What the escrow's events say was captured (to the seller and the fee receiver) and returned to the buyer. */
function outcomeOf(history: PaymentHistory) {
  const capturedAtomic = sum(history.captured.map((c) => c.paidToReceiver + c.paidToFeeReceiver));
  const feeAtomic = sum(history.captured.map((c) => c.paidToFeeReceiver));
  const returnedAtomic = sum([...history.voided, ...history.reclaimed].map((v) => v.returnedToPayer));
  const captureTx = history.captured.at(-1);
  const voidTx = history.voided.at(-1);
  return { capturedAtomic, feeAtomic, returnedAtomic, captureTx, voidTx };
}

async function record(deps: Deps, p: PaymentWithJob, a: Attempt): Promise<SettleOutcome> {
  const now = deps.clock.now();
  const where = { id: p.id, status: "settling" };
  const finish = async (status: string, data: Prisma.PaymentUpdateManyMutationInput) => {
    const { count } = await deps.prisma.payment.updateMany({ where, data: { status, nextAttemptAt: null, ...data } });
    if (count) {
      const row = await deps.prisma.payment.findUniqueOrThrow({ where: { id: p.id } });
      await announcePayment(deps, row).catch(() => undefined);
    }
    return count === 1;
  };
  switch (a.kind) {
    case "done": {
      const o = outcomeOf(a.history);
      const expectedFee = o.captureTx ? sum(a.history.captured.map((c) => feeAmountFor(c.amount, p.feeBps))) : 0n;
      const ceiling = BigInt(p.amountAtomic.toFixed(0));
      // Recovery checks the money, not the existence of events: everything held is accounted for.
      if (o.capturedAtomic + o.returnedAtomic !== ceiling || o.feeAtomic !== expectedFee) {
        await finish("failed", {
          lastError: `escrow events do not add up: captured ${o.capturedAtomic} + returned ${o.returnedAtomic} ≠ held ${ceiling} (fee ${o.feeAtomic}, expected ${expectedFee})`,
        });
        return "failed";
      }
      const done = await finish(a.status, {
        capturedAtomic: o.capturedAtomic.toString(),
        feeAtomic: o.feeAtomic.toString(),
        returnedAtomic: o.returnedAtomic.toString(),
        billedSeconds: a.billedSeconds,
        txHash: o.captureTx?.txHash ?? null,
        blockNumber: o.captureTx?.blockNumber ?? o.voidTx?.blockNumber ?? null,
        voidTxHash: o.voidTx?.txHash ?? null,
        confirmedAt: now,
        lastError: null,
      });
      if (!done) return "skipped";
      if (o.captureTx?.txHash)
        await deps.prisma.job.update({ where: { id: p.jobId }, data: { paymentTxHash: o.captureTx.txHash } });
      if (p.job.completedAt)
        deps.metrics.settlementLatency.observe((now.getTime() - p.job.completedAt.getTime()) / 1000);
      deps.log.info({ paymentId: p.id, jobId: p.jobId, ...o, captureTx: o.captureTx?.txHash }, `payment ${a.status}`);
      return a.recovered ? "recovered" : a.status;
    }
    case "wait":
      await deps.prisma.payment.updateMany({ where, data: { status: "held", nextAttemptAt: a.until } });
      return "skipped";
    case "failed":
      await finish("failed", { lastError: a.error });
      deps.log.warn({ paymentId: p.id, jobId: p.jobId, error: a.error }, "payment settlement failed for good");
      return "failed";
    case "reclaimable": {
      const o = a.history ? outcomeOf(a.history) : null;
      await finish(a.history?.reclaimed.length ? "reclaimed" : "reclaimable", {
        lastError: a.error,
        ...(o ? { returnedAtomic: o.returnedAtomic.toString(), capturedAtomic: o.capturedAtomic.toString() } : {}),
      });
      return "reclaimable";
    }
    case "retry": {
      const attempts = p.settlementAttempts;
      await deps.prisma.payment.updateMany({
        where,
        data: { lastError: a.error, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)) },
      });
      deps.log.warn(
        { paymentId: p.id, jobId: p.jobId, attempts, error: a.error },
        "payment settlement will be retried",
      );
      return "retry";
    }
  }
}

/**
 * Settles one escrowed payment if it is due, idempotently. `force` takes it even while
 * another claim's lease runs: a new leader taking over (the old claimant is gone), or an admin.
 */
export async function settlePayment(
  deps: Deps,
  paymentId: string,
  opts: { force?: boolean } = {},
): Promise<SettleOutcome> {
  const before = await deps.prisma.payment.findUnique({ where: { id: paymentId }, select: { status: true } });
  if (!(await claim(deps, paymentId, opts))) return "skipped";
  const running = inFlight(deps);
  running.add(paymentId);
  try {
    const p = await deps.prisma.payment.findUniqueOrThrow({
      where: { id: paymentId },
      include: { job: { include: { node: true } } },
    });
    const outcome = await record(deps, p, await attempt(deps, p, before?.status === "settling"));
    if (outcome !== "skipped") deps.metrics.settlements.inc({ outcome });
    return outcome;
  } finally {
    running.delete(paymentId);
  }
}

/** Settles (or voids) the payment of one finished job: the worker's reaction to a nudge. */
export async function settleJobPayment(deps: Deps, jobId: string): Promise<SettleOutcome> {
  const p = await deps.prisma.payment.findUnique({
    where: { jobId },
    select: { id: true, status: true, scheme: true },
  });
  if (!p || p.scheme !== "auth-capture" || (p.status !== "held" && p.status !== "settling")) return "skipped";
  return settlePayment(deps, p.id);
}

/**
 * One sweep. `takeover`: this instance just became the settlement leader (or started):
 * every `settling` row is someone's cut-off attempt and is resolved from the chain now.
 */
export async function settlementPass(
  deps: Deps,
  opts: { limit?: number; takeover?: boolean } = {},
): Promise<Record<SettleOutcome, number>> {
  const limit = opts.limit ?? 100;
  const counts: Record<SettleOutcome, number> = {
    captured: 0,
    voided: 0,
    recovered: 0,
    retry: 0,
    failed: 0,
    reclaimable: 0,
    skipped: 0,
  };
  const now = deps.clock.now();
  if (opts.takeover) {
    const cutOff = await deps.prisma.payment.findMany({
      where: { scheme: "auth-capture", status: "settling" },
      select: { id: true },
      take: limit,
    });
    for (const { id } of cutOff) counts[await settlePayment(deps, id, { force: true })]++;
  }
  const due = await deps.prisma.payment.findMany({
    where: {
      scheme: "auth-capture",
      status: { in: ["held", "settling"] },
      OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }],
      job: TERMINAL_JOB_WHERE,
    },
    select: { id: true },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    const outcomes = await Promise.all(due.slice(i, i + CONCURRENCY).map((d) => settlePayment(deps, d.id)));
    for (const o of outcomes) counts[o]++;
  }
  // Held past the capture deadline with the job never finished: the buyer can reclaim.
  const lapsed = await deps.prisma.payment.updateMany({
    where: { scheme: "auth-capture", status: "held", captureDeadline: { lte: now } },
    data: { status: "reclaimable", lastError: "The capture deadline passed; the buyer can reclaim the hold." },
  });
  counts.reclaimable += lapsed.count;
  await recoverCollections(deps, new Date(now.getTime() - STALE_AUTHORIZING_MS));
  return counts;
}

export type { EscrowOps };
