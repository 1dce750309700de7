import { z } from "zod";
import { jobTypeSchema } from "@computeswarm/protocol";
import type { PaymentRequirements } from "@x402/core/types";
import type { Node } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { paymentNetwork } from "../../payments/chain-service";
import type { NetworkConfig } from "../../payments/networks";
import { buildRequirements, paymentRequirementsSchema } from "../../payments/requirements";
import { jobCost, loadSubmittableNode, MAX_JOB_SECONDS } from "../jobs/submit-job";
import { SETTLEMENT_MARGIN_SECONDS } from "../jobs/limits";

/**
 * A job's price as x402 v2 PaymentRequirements: price per hour × max duration in
 * atomic USDC (rounded up), payTo = the node's seller, and an authorization that
 * must stay valid for the max duration plus the settlement window (queue wait,
 * watchdog grace, settlement retries).
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
  /** Null for free nodes: nothing to sign. */
  requirements: paymentRequirementsSchema.nullable(),
});
export type Quote = z.infer<typeof quoteSchema>;

/** An authorization must leave at least this long after the job's max duration to settle it. */
export const MIN_SETTLEMENT_MARGIN_SECONDS = SETTLEMENT_MARGIN_SECONDS;

export interface JobQuote {
  node: Node;
  amountAtomic: bigint;
  amountUsd: string;
  requirements: PaymentRequirements | null;
  network: NetworkConfig;
}

export function quoteForNode(deps: Deps, node: Node, maxDurationSeconds: number): JobQuote {
  const network = paymentNetwork(deps.env);
  const cost = jobCost(node, maxDurationSeconds);
  const requirements =
    cost.atomic > 0n
      ? buildRequirements(network, {
          payTo: node.sellerAddress,
          amountAtomic: cost.atomic,
          maxTimeoutSeconds: maxDurationSeconds + deps.env.SETTLEMENT_WINDOW_SECONDS,
        })
      : null;
  return { node, amountAtomic: cost.atomic, amountUsd: cost.usd, requirements, network };
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
  };
}

export async function quoteJob(deps: Deps, input: QuoteInput): Promise<Quote> {
  return toQuoteView(await loadQuote(deps, input));
}
