import { getAddress } from "viem";
import type { Job, Payment, Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { formatUsdc } from "@/lib/money";
import { queueJob, type SubmitJobInput } from "../jobs/submit-job";
import { loadQuote, type JobQuote } from "./quote";
import { paymentRequiredError, verifyPayment, type VerifiedPayment } from "./verify-payment";

/** Buyer of a free job bought through the anonymous x402 door. */
export const ANONYMOUS_BUYER = "0x0000000000000000000000000000000000000000";
/** Far enough for any real authorization; keeps absurd validBefore values inside a timestamp. */
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n; // 9999-12-31

export interface SubmitOptions {
  /** Stored hash of the bearer token for GET /api/x402/jobs/{id}. */
  accessTokenHash?: string;
  /** The signed-in buyer must be the payer (the UI door). */
  expectedPayer?: string;
}

export interface Submitted {
  job: Job & { payment: Payment | null };
  quote: JobQuote;
  payment: VerifiedPayment | null;
}

/**
 * The one submission service behind both doors (tRPC jobs.submit and POST
 * /api/x402/jobs). Free nodes take no payment; priced nodes need a payment that
 * verifies before anything is written; the job and its payment row are written in
 * one transaction, and the database's unique (payer, nonce) makes a replayed
 * authorization, even two at the same instant, create exactly one job.
 * `buyer` null: the payer is the buyer.
 */
export async function submitJob(
  deps: Deps,
  buyer: string | null,
  input: SubmitJobInput,
  payment?: unknown,
  opts: SubmitOptions = {},
): Promise<Submitted> {
  const quote = await loadQuote(deps, input);
  const hasPayment = payment !== undefined && payment !== null && payment !== "";
  if (!quote.requirements) {
    if (hasPayment) {
      throw new AppError("BAD_REQUEST", "This node is free: submit the job without a payment.", "payment_not_needed");
    }
    const job = await queueJob(deps, buyer ?? ANONYMOUS_BUYER, input, quote.node, {
      accessTokenHash: opts.accessTokenHash,
    });
    return { job: { ...job, payment: null }, quote, payment: null };
  }
  const requirements = quote.requirements;
  if (!hasPayment) {
    throw paymentRequiredError(
      requirements,
      "payment_required",
      `This job costs ${formatUsdc(quote.amountAtomic)} USDC: sign the payment to submit it.`,
    );
  }
  const verified = await verifyPayment(deps, { ...quote, requirements }, payment, {
    maxDurationSeconds: input.maxDurationSeconds,
    expectedPayer: opts.expectedPayer,
  });
  try {
    let row: Payment | null = null;
    const job = await queueJob(deps, buyer ?? verified.from, input, quote.node, {
      accessTokenHash: opts.accessTokenHash,
      writePayment: async (tx, jobId) => {
        row = await writePayment(tx, jobId, verified, quote);
      },
    });
    return { job: { ...job, payment: row }, quote, payment: verified };
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw paymentRequiredError(
        requirements,
        "nonce_already_used",
        "This payment authorization was already used; sign a new one.",
      );
    }
    throw err;
  }
}

function writePayment(
  tx: Prisma.TransactionClient,
  jobId: string,
  p: VerifiedPayment,
  quote: JobQuote,
): Promise<Payment> {
  const toDate = (seconds: bigint) =>
    new Date(Number(seconds < MAX_TIMESTAMP_SECONDS ? seconds : MAX_TIMESTAMP_SECONDS) * 1000);
  return tx.payment.create({
    data: {
      jobId,
      fromAddress: p.from,
      toAddress: getAddress(p.to),
      amountUsdc: quote.amountUsd,
      amountAtomic: p.value.toString(),
      asset: getAddress(p.requirements.asset),
      network: p.requirements.network,
      nonce: p.nonce,
      validAfter: toDate(p.validAfter),
      validBefore: toDate(p.validBefore),
      // What a facilitator's /settle takes: settlement replays exactly what was verified.
      signedPayload: {
        x402Version: p.payload.x402Version,
        paymentPayload: p.payload,
        paymentRequirements: p.requirements,
      } as unknown as Prisma.InputJsonValue,
    },
  });
}

function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (e.code === "P2002" || e.code === "23505") return true;
  if (typeof e.message === "string" && /unique constraint/i.test(e.message)) return true;
  return e.cause ? isUniqueViolation(e.cause) : false;
}
