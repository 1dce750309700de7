/**
 * x402 v2 PaymentRequirements for a job, two schemes in the order a client should prefer:
 *  1. "auth-capture" (escrow): the ceiling is held in the auth-capture escrow with our
 *     relayer as the (delegated) operator; after the job the seconds used are captured
 *     and the rest returned. `extra` carries what the stock AuthCaptureEvmScheme needs.
 *  2. "exact" (EIP-3009 transfer): paid in full to the seller at submission, no refund.
 * And the PaymentRequired object a 402 carries.
 */
import { getAddress, zeroAddress, type Address } from "viem";
import { z } from "zod";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { AUTH_CAPTURE_DEPLOYMENT } from "./escrow/contracts";
import { usdcDomainExtra, type NetworkConfig } from "./networks";

export const X402_VERSION = 2;
export const EXACT_SCHEME = "exact";
export const AUTH_CAPTURE_SCHEME = "auth-capture";

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

/** The marketplace fee as the escrow's fee fields: a fixed fee (min = max) to one recipient, or none. */
export interface EscrowFeeTerms {
  feeBps: number;
  /** The zero address when there is no fee. */
  feeRecipient: Address;
}

export function feeTerms(env: { MARKETPLACE_FEE_BPS: number; FEE_RECIPIENT?: string }): EscrowFeeTerms {
  return env.MARKETPLACE_FEE_BPS > 0 && env.FEE_RECIPIENT
    ? { feeBps: env.MARKETPLACE_FEE_BPS, feeRecipient: getAddress(env.FEE_RECIPIENT) }
    : { feeBps: 0, feeRecipient: zeroAddress };
}

export interface AuthCaptureParams {
  payTo: string;
  amountAtomic: bigint;
  /** Our relayer: the escrow's operator, the only one who may capture or void. */
  operator: Address;
  /** How long the buyer's signed authorization may wait before it is collected (preApprovalExpiry = now + this). */
  maxTimeoutSeconds: number;
  /** Unix seconds: capture before it; from it on, the buyer can reclaim what is still held. */
  captureDeadline: number;
  fee: EscrowFeeTerms;
}

export function buildAuthCaptureRequirements(network: NetworkConfig, p: AuthCaptureParams): PaymentRequirements {
  return {
    scheme: AUTH_CAPTURE_SCHEME,
    network: network.caip2,
    asset: getAddress(network.usdc.address),
    amount: p.amountAtomic.toString(),
    payTo: getAddress(p.payTo as Address),
    maxTimeoutSeconds: p.maxTimeoutSeconds,
    extra: {
      ...usdcDomainExtra(network),
      authCaptureEscrow: AUTH_CAPTURE_DEPLOYMENT.escrow,
      captureAuthorizer: getAddress(p.operator),
      operatorType: "delegated",
      paymentFlow: "escrow",
      // We capture later from our own records (no receiver authorizer, lifecycle out of band).
      captureMode: "deferred",
      assetTransferMethod: "eip3009",
      captureDeadline: p.captureDeadline,
      // We never refund after a capture: the refund window closes with the capture window.
      refundDeadline: p.captureDeadline,
      minFeeBps: p.fee.feeBps,
      maxFeeBps: p.fee.feeBps,
      feeRecipient: p.fee.feeRecipient,
    },
  };
}

export function paymentRequiredOf(
  accepts: PaymentRequirements[],
  resource: { url: string; description?: string },
  error?: string,
): PaymentRequired {
  return {
    x402Version: X402_VERSION,
    ...(error ? { error } : {}),
    resource: { mimeType: "application/json", ...resource },
    accepts,
  };
}
