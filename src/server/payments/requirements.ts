/**
 * x402 v2 PaymentRequirements for a job: scheme "exact" (EIP-3009), the network's
 * CAIP-2 id and USDC, the amount in atomic units, payTo = the node's seller, and
 * the token's EIP-712 domain in `extra`; and the PaymentRequired object a 402 carries.
 */
import { getAddress, type Address } from "viem";
import { z } from "zod";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { usdcDomainExtra, type NetworkConfig } from "./networks";

export const X402_VERSION = 2;
export const EXACT_SCHEME = "exact";

export const paymentRequirementsSchema = z.object({
  scheme: z.string(),
  network: z.string(),
  asset: z.string(),
  amount: z.string(),
  payTo: z.string(),
  maxTimeoutSeconds: z.number(),
  extra: z.record(z.string(), z.unknown()),
});

export function buildRequirements(
  network: NetworkConfig,
  params: { payTo: string; amountAtomic: bigint; maxTimeoutSeconds: number },
): PaymentRequirements {
  return {
    scheme: EXACT_SCHEME,
    network: network.caip2,
    asset: getAddress(network.usdc.address),
    amount: params.amountAtomic.toString(),
    payTo: getAddress(params.payTo as Address),
    maxTimeoutSeconds: params.maxTimeoutSeconds,
    extra: usdcDomainExtra(network),
  };
}

export function paymentRequiredOf(
  requirements: PaymentRequirements,
  resource: { url: string; description?: string },
  error?: string,
): PaymentRequired {
  return {
    x402Version: X402_VERSION,
    ...(error ? { error } : {}),
    resource: { mimeType: "application/json", ...resource },
    accepts: [requirements],
  };
}
