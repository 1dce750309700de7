import { getAddress, type Hex } from "viem";
import type { Job, Payment, Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { formatUsdc } from "@/lib/money";
import { schemeOf } from "../../payments/payload";
import { PaymentRejected, reasonFromFacilitator, isPermanentSettleFailure } from "../../payments/reasons";
import { toStoredPaymentInfo } from "../../payments/escrow/payment-info";
import { EscrowRevertError } from "../../payments/escrow/escrow-ops";
import { getChain } from "../../payments/chain-service";
import { FacilitatorUnavailableError } from "../../payments/facilitator/types";
import { publish } from "../events/bus";
import { nudgeChannel } from "../jobs/transition";
import { queueJob, type SubmitJobInput } from "../jobs/submit-job";
import { loadQuote, paymentDescription, type JobQuote } from "./quote";
import {
  asPaymentRequired,
  authorizeRefusal,
  chainDown,
  paymentRequiredError,
  preparePayment,
  verifyOnChain,
  type PreparedPayment,
  type VerifiedAuthCapture,
  type VerifiedExact,
  type VerifiedPayment,
} from "./verify-payment";
import { getEscrow } from "./escrow";
import { findExactPayment, paidInTransaction } from "./exact-transfer";
import { announcePayment } from "./payment-events";

/** Buyer of a free job bought through the anonymous x402 door. */
export const ANONYMOUS_BUYER = "0x0000000000000000000000000000000000000000";
/** Far enough for any real authorization; keeps absurd validBefore values inside a timestamp. */
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n; // 9999-12-31
/** A resent payment whose first submission is still being collected waits this long for it. */
const RESEND_WAIT_MS = 15_000;

export interface SubmitOptions {
  /** Stored hash of the bearer token for GET /api/x402/jobs/{id}. */
  accessTokenHash?: string;
  /** The signed-in buyer must be the payer (the UI door). */
  expectedPayer?: string;
  /** The quote for this input, when the caller already loaded it (the x402 door does, for its 402s). */
  quote?: JobQuote;
  /**
   * Runs once, when the submission will create a job (free, or its payment verified),
   * before anything is written: the job-submission rate limit (ratelimit/jobSubmitBudget).
   * A 402 (no payment, an invalid one) or a resent payment never reaches it.
   */
  beforeQueue?: () => Promise<void>;
}

export interface Submitted {
  job: Job & { payment: Payment | null };
  quote: JobQuote;
  payment: VerifiedPayment | null;
  /** The same payment was submitted before: this is the job it bought then. */
  resent: boolean;
}

/**
 * The one submission service behind both doors (tRPC jobs.submit and POST
 * /api/x402/jobs). Free nodes take no payment. A priced job needs a payment that
 * verifies before anything is written; the job and its payment row are then written
 * in one transaction keyed by the payment's identity (auth-capture: the escrow's
 * paymentInfoHash; exact: payer + nonce, both unique), and the payment is collected
 * before the job can be claimed: auth-capture holds the ceiling in escrow, exact pays
 * the ceiling to the seller. The same payment sent again returns the same job.
 * `buyer` null: the payer is the buyer.
 */
export async function submitJob(
  deps: Deps,
  buyer: string | null,
  input: SubmitJobInput,
  payment?: unknown,
  opts: SubmitOptions = {},
): Promise<Submitted> {
  const quote = opts.quote ?? (await loadQuote(deps, input));
  const hasPayment = payment !== undefined && payment !== null && payment !== "";
  if (!quote.requirements) {
    if (hasPayment) {
      throw new AppError("BAD_REQUEST", "This node is free: submit the job without a payment.", "payment_not_needed");
    }
    await opts.beforeQueue?.();
    const job = await queueJob(deps, buyer ?? ANONYMOUS_BUYER, input, quote.node, {
      accessTokenHash: opts.accessTokenHash,
    });
    return { job: { ...job, payment: null }, quote, payment: null, resent: false };
  }
  if (!hasPayment) {
    throw paymentRequiredError(
      quote.accepts,
      "payment_required",
      `This job holds at most ${formatUsdc(quote.amountAtomic)} USDC: sign the payment to submit it. ${paymentDescription(quote)}`,
    );
  }
  const prepared = await asPaymentRequired(quote, () =>
    preparePayment(deps, quote, payment, {
      maxDurationSeconds: input.maxDurationSeconds,
      expectedPayer: opts.expectedPayer,
      scheme: schemeOf(payment),
    }),
  );

  let verified: VerifiedPayment;
  try {
    verified = await asPaymentRequired(quote, () => verifyOnChain(deps, quote, prepared));
  } catch (err) {
    // The chain says the authorization was used: by an earlier submission of this same payment?
    const earlier = isRefusal(err, "nonce_already_used") ? await resentPayment(deps, quote, prepared) : null;
    if (earlier) return earlier;
    throw err;
  }
  // A submission that will create a job spends the job-submission budget; a 402 or a resend never gets here.
  await opts.beforeQueue?.();
  let job: Job & { payment: Payment | null };
  try {
    job = await queueJob(deps, buyer ?? verified.from, input, quote.node, {
      accessTokenHash: opts.accessTokenHash,
      payment: paymentRow(verified, quote),
    });
  } catch (err) {
    // The same payment, submitted at the same instant: answer as a resend (once it is collected).
    if (!isUniqueViolation(err)) throw err;
    const earlier = await resentPayment(deps, quote, prepared);
    if (earlier) return earlier;
    throw paymentRequiredError(
      quote.accepts,
      "nonce_already_used",
      "This payment authorization was already used; sign a new one.",
    );
  }
  const collected = await asPaymentRequired(quote, () => collect(deps, job, job.payment!, verified));
  return { job: { ...job, payment: collected }, quote, payment: verified, resent: false };
}

const isRefusal = (err: unknown, reason: string) =>
  err instanceof AppError && err.code === "PAYMENT_REQUIRED" && err.reason === reason;

/** The job an earlier submission of this same payment bought, once its payment is collected. */
async function resentPayment(deps: Deps, quote: JobQuote, prepared: PreparedPayment): Promise<Submitted | null> {
  const where: Prisma.PaymentWhereInput =
    prepared.scheme === "auth-capture"
      ? { paymentInfoHash: prepared.paymentInfoHash }
      : { fromAddress: prepared.payment.from, nonce: prepared.payment.nonce };
  const deadline = Date.now() + RESEND_WAIT_MS;
  for (;;) {
    const row = await deps.prisma.payment.findFirst({ where, include: { job: true } });
    if (!row) return null; // never seen, or its collection failed and was rolled back
    if (row.status !== "authorizing") {
      if (row.status === "failed") {
        throw paymentRequiredError(
          quote.accepts,
          "nonce_already_used",
          "This payment authorization was already used; sign a new one.",
        );
      }
      const { job, ...payment } = row;
      return { job: { ...job, payment }, quote, payment: null, resent: true };
    }
    if (Date.now() > deadline) {
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        "This payment is still being collected; send the same payment again in a minute to get your job.",
        "payment_in_progress",
        { retryAfterSeconds: 30 },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The payment row a verified payment is written as, with its job. */
function paymentRow(p: VerifiedPayment, quote: JobQuote): Omit<Prisma.PaymentUncheckedCreateInput, "jobId"> {
  const toDate = (seconds: bigint) =>
    new Date(Number(seconds < MAX_TIMESTAMP_SECONDS ? seconds : MAX_TIMESTAMP_SECONDS) * 1000);
  const escrow =
    p.scheme === "auth-capture"
      ? {
          paymentInfoHash: p.paymentInfoHash,
          paymentInfo: toStoredPaymentInfo(p.info) as unknown as Prisma.InputJsonValue,
          captureDeadline: new Date(p.info.authorizationExpiry * 1000),
          // Known before the send, so a crash after it still knows where to look for its events.
          settleFromBlock: p.fromBlock,
          feeBps: p.info.minFeeBps,
          feeRecipient: getAddress(p.info.feeReceiver),
        }
      : {};
  return {
    scheme: p.scheme,
    status: "authorizing",
    fromAddress: p.from,
    // Who is paid: the seller (auth-capture pays it through the escrow; `to` there is the collector).
    toAddress: getAddress(p.requirements.payTo),
    amountUsdc: quote.amountUsd,
    amountAtomic: p.value.toString(),
    asset: getAddress(p.requirements.asset),
    network: p.requirements.network,
    nonce: p.nonce,
    validAfter: toDate(p.validAfter),
    validBefore: toDate(p.validBefore),
    // What the chain needs to collect it again after a crash: exactly what was verified.
    signedPayload: {
      x402Version: p.payload.x402Version,
      paymentPayload: p.payload,
      paymentRequirements: p.requirements,
    } as unknown as Prisma.InputJsonValue,
    ...escrow,
  };
}

/** A collection that will never happen: the rows go (nothing was taken), the buyer gets why. */
export async function rollBack(deps: Deps, row: Payment): Promise<void> {
  await deps.prisma.$transaction([
    deps.prisma.payment.deleteMany({ where: { id: row.id, status: "authorizing" } }),
    deps.prisma.job.deleteMany({ where: { id: row.jobId, status: "queued" } }),
  ]);
}

/** The payment is collected: the job may be claimed now. */
export async function markCollected(deps: Deps, job: Job, row: Payment, data: Prisma.PaymentUpdateManyMutationInput) {
  const now = deps.clock.now();
  const updated = await deps.prisma.payment
    .update({ where: { id: row.id, status: "authorizing" }, data: { ...data, heldAt: now } })
    .catch(async (err: unknown) => {
      // Not `authorizing` any more: someone else (recovery, a resend) recorded it first.
      if ((err as { code?: unknown }).code !== "P2025") throw err;
      return deps.prisma.payment.findUniqueOrThrow({ where: { id: row.id } });
    });
  await Promise.all([publish(deps, nudgeChannel(job.nodeId), { jobId: job.id }), announcePayment(deps, updated)]).catch(
    (err: unknown) => deps.log.warn({ err, jobId: job.id }, "payment announcement failed (the sweep catches up)"),
  );
  return updated;
}

function collect(deps: Deps, job: Job, row: Payment, p: VerifiedPayment): Promise<Payment> {
  return p.scheme === "auth-capture" ? authorizeIntoEscrow(deps, job, row, p) : payExactNow(deps, job, row, p);
}

/**
 * auth-capture: the escrow's `authorize` pulls the ceiling from the buyer into the hold,
 * with the gas its verification estimated. What is recorded is the PaymentAuthorized
 * event of its receipt; nothing is written between the job's row and that.
 */
async function authorizeIntoEscrow(deps: Deps, job: Job, row: Payment, p: VerifiedAuthCapture): Promise<Payment> {
  const { ops } = await getEscrow(deps);
  const signature = (p.payload.payload as { signature: Hex }).signature;
  try {
    const tx = await ops.authorize(p.info, p.info.maxAmount, signature, { gas: p.authorizeGas });
    if (tx.amount < p.info.maxAmount) {
      deps.log.error({ paymentId: row.id, tx }, "escrow holds less than the ceiling after authorize");
    }
    return await markCollected(deps, job, row, {
      status: "held",
      authorizeTxHash: tx.txHash,
      settleFromBlock: tx.blockNumber,
    });
  } catch (err) {
    if (err instanceof EscrowRevertError) {
      await rollBack(deps, row);
      throw authorizeRefusal(err.reason);
    }
    // Unknown whether it was collected (no receipt, RPC down): recovery reads the escrow.
    deps.log.warn({ err, paymentId: row.id }, "escrow authorize outcome unknown; left for recovery");
    throw new AppError(
      "SERVICE_UNAVAILABLE",
      "The payment network did not confirm the escrow in time; send the same payment again in a minute to get your job.",
      "payment_in_progress",
      { retryAfterSeconds: 30 },
    );
  }
}

/**
 * exact: paid to the seller now, at the ceiling, before the job is queued. Paid means a
 * Transfer of the amount to payTo in the transaction that used the authorization.
 */
async function payExactNow(deps: Deps, job: Job, row: Payment, p: VerifiedExact): Promise<Payment> {
  const chain = await getChain(deps).catch(() => {
    throw chainDown();
  });
  const client = chain.publicClient;
  const usdc = chain.network.usdc.address;
  const expected = { from: p.from, to: getAddress(p.requirements.payTo), value: p.value, nonce: p.nonce };
  const paid = (transfer: { txHash: Hex; blockNumber: bigint }) =>
    markCollected(deps, job, row, {
      status: "captured",
      txHash: transfer.txHash,
      blockNumber: transfer.blockNumber,
      capturedAtomic: p.value.toString(),
      returnedAtomic: "0",
      feeAtomic: "0",
      confirmedAt: deps.clock.now(),
    });
  const usedElsewhere = async () => {
    await rollBack(deps, row);
    return new PaymentRejected(
      "authorization_used_elsewhere",
      "This authorization was used on chain without paying the seller (cancelled, or spent on another transfer); sign a new one.",
    );
  };
  try {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const res = await chain.facilitator.settle(p.payload, p.requirements);
    if (res.success) {
      const transfer = await paidInTransaction(client, usdc, res.transaction as Hex, expected);
      if (transfer) return await paid(transfer);
      throw await usedElsewhere();
    }
    const reason = reasonFromFacilitator(res.errorReason);
    if (reason === "nonce_already_used") {
      const found = await findExactPayment(client, usdc, expected, head > 10n ? head - 10n : 0n);
      if (found && "paid" in found) return await paid(found.paid);
      throw await usedElsewhere();
    }
    if (reason === "invalid_signature" || isPermanentSettleFailure(res.errorReason)) {
      await rollBack(deps, row);
      throw new PaymentRejected(
        reason,
        `The payment could not be settled (${res.errorReason ?? "refused"}).`,
        res.errorReason,
      );
    }
    throw new Error(`settle failed: ${res.errorReason ?? ""} ${res.errorMessage ?? ""}`);
  } catch (err) {
    if (err instanceof PaymentRejected) throw err;
    if (!(err instanceof FacilitatorUnavailableError))
      deps.log.warn({ err, paymentId: row.id }, "exact settlement outcome unknown");
    throw new AppError(
      "SERVICE_UNAVAILABLE",
      "The payment network did not confirm the payment in time; send the same payment again in a minute to get your job.",
      "payment_in_progress",
      { retryAfterSeconds: 30 },
    );
  }
}

function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (e.code === "P2002" || e.code === "23505") return true;
  if (typeof e.message === "string" && /unique constraint/i.test(e.message)) return true;
  return e.cause ? isUniqueViolation(e.cause) : false;
}
