import { z } from "zod";
import { jobTypeSchema, MAX_JOB_SECONDS } from "@computeswarm/protocol";
import type { PaymentRequirements } from "@x402/core/types";
import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import type { Node } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import type { Env } from "../../env";
import { paymentNetwork, relayerKeyOf } from "../../payments/chain-service";
import type { NetworkConfig } from "../../payments/networks";
import {
  buildAuthCaptureRequirements,
  buildRequirements,
  feeTerms,
  paymentRequirementsSchema,
  type EscrowFeeTerms,
} from "../../payments/requirements";
import { formatUsdc } from "@/lib/money";
import { jobCost, loadSubmittableNode } from "../jobs/submit-job";
import { SETTLEMENT_MARGIN_SECONDS } from "../jobs/limits";

/**
 * A job's price as x402 v2 PaymentRequirements. The ceiling is price per hour × max
 * duration in atomic USDC (rounded up), payTo = the node's seller. Two ways to pay:
 *  - auth-capture (first): the ceiling is held in escrow at submission; after the job
 *    the seconds used are captured and the rest goes back to the buyer. The capture
 *    deadline leaves room for the signing window, the max duration and the settlement
 *    window (queue wait, watchdog grace, void grace, capture retries).
 *  - exact (second): the ceiling is paid to the seller at submission, no refund.
 */
export const quoteInputSchema = z.object({
  nodeId: z.string().uuid(),
  jobType: jobTypeSchema,
  maxDurationSeconds: z.number().int().min(1).max(MAX_JOB_SECONDS),
});
export type QuoteInput = z.infer<typeof quoteInputSchema>;

export const quoteSchema = z.object({
  nodeId: z.string(),
  free: z.boolean(),
  amountUsd: z.string(),
  amountAtomic: z.string(),
  network: z.object({ caip2: z.string(), label: z.string(), chainId: z.number() }),
  /** The preferred way to pay (auth-capture when offered); null for free nodes: nothing to sign. */
  requirements: paymentRequirementsSchema.nullable(),
  /** Every way to pay, preferred first (the 402's `accepts`). */
  accepts: z.array(paymentRequirementsSchema),
  /** The marketplace fee taken from each capture, in basis points (0: none). */
  feeBps: z.number(),
});
export type Quote = z.infer<typeof quoteSchema>;

/** An escrowed job must be able to run fully and settle before its capture deadline. */
export const MIN_SETTLEMENT_MARGIN_SECONDS = SETTLEMENT_MARGIN_SECONDS;
/** How long a signed authorization may wait before it is collected (x402 maxTimeoutSeconds). */
export const AUTHORIZATION_WINDOW_SECONDS = 300;

export interface JobQuote {
  node: Node;
  amountAtomic: bigint;
  amountUsd: string;
  /** Preferred first: auth-capture (when we have an operator key), then exact. Empty for free nodes. */
  accepts: PaymentRequirements[];
  /** accepts[0], or null for free nodes. */
  requirements: PaymentRequirements | null;
  network: NetworkConfig;
  fee: EscrowFeeTerms;
}

/** Deriving an address from a key is an elliptic-curve multiplication (~0.7 ms): once per key. */
const operatorByKey = new Map<string, Address>();

/** The escrow operator (our relayer) from the environment alone: quotes never wait for a chain. */
export function escrowOperator(env: Pick<Env, "CHAIN" | "RELAYER_PRIVATE_KEY">): Address | null {
  const key = relayerKeyOf(env);
  if (!key) return null;
  let operator = operatorByKey.get(key);
  if (!operator) operatorByKey.set(key, (operator = privateKeyToAccount(key).address));
  return operator;
}

/** The latest capture deadline we publish for a job of this length quoted at `nowSeconds`. */
export function captureDeadlineFor(
  env: Pick<Env, "SETTLEMENT_WINDOW_SECONDS">,
  nowSeconds: number,
  maxDurationSeconds: number,
) {
  return nowSeconds + AUTHORIZATION_WINDOW_SECONDS + maxDurationSeconds + env.SETTLEMENT_WINDOW_SECONDS;
}

export function quoteForNode(deps: Deps, node: Node, maxDurationSeconds: number): JobQuote {
  const network = paymentNetwork(deps.env);
  const cost = jobCost(node, maxDurationSeconds);
  const fee = feeTerms(deps.env);
  const accepts: PaymentRequirements[] = [];
  if (cost.atomic > 0n) {
    const operator = escrowOperator(deps.env);
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    if (operator) {
      accepts.push(
        buildAuthCaptureRequirements(network, {
          payTo: node.sellerAddress,
          amountAtomic: cost.atomic,
          operator,
          maxTimeoutSeconds: AUTHORIZATION_WINDOW_SECONDS,
          captureDeadline: captureDeadlineFor(deps.env, now, maxDurationSeconds),
          fee,
        }),
      );
    }
    accepts.push(
      buildRequirements(network, {
        payTo: node.sellerAddress,
        amountAtomic: cost.atomic,
        maxTimeoutSeconds: AUTHORIZATION_WINDOW_SECONDS,
      }),
    );
  }
  return {
    node,
    amountAtomic: cost.atomic,
    amountUsd: cost.usd,
    accepts,
    requirements: accepts[0] ?? null,
    network,
    fee,
  };
}

/** What the 402 tells a client about the two ways to pay. */
export function paymentDescription(q: Pick<JobQuote, "amountAtomic" | "accepts" | "fee">): string {
  const ceiling = formatUsdc(q.amountAtomic);
  const parts = ["A compute job on a ComputeSwarm GPU node."];
  if (q.accepts.some((a) => a.scheme === "auth-capture")) {
    parts.push(
      `auth-capture: USDC ${ceiling} is held in escrow; you pay per second used and get the rest back (nothing for a node failure)${q.fee.feeBps ? `; a ${q.fee.feeBps / 100}% marketplace fee comes out of the seller's share` : ""}.`,
    );
  }
  parts.push(`exact: USDC ${ceiling} is paid to the seller at submission, before the job is queued; no refund.`);
  return parts.join(" ");
}

export async function loadQuote(deps: Deps, input: QuoteInput): Promise<JobQuote> {
  const node = await loadSubmittableNode(deps, input);
  return quoteForNode(deps, node, input.maxDurationSeconds);
}

export function toQuoteView(q: JobQuote): Quote {
  return {
    nodeId: q.node.id,
    free: q.requirements === null,
    amountUsd: q.amountUsd,
    amountAtomic: q.amountAtomic.toString(),
    network: { caip2: q.network.caip2, label: q.network.label, chainId: q.network.chainId },
    requirements: q.requirements,
    accepts: q.accepts,
    feeBps: q.fee.feeBps,
  };
}

export async function quoteJob(deps: Deps, input: QuoteInput): Promise<Quote> {
  return toQuoteView(await loadQuote(deps, input));
}
