/**
 * ───────────────────────────── PAYMENT INTEGRATION POINT ─────────────────────────────
 * The one place the browser pays for a job with x402: the ceiling held in escrow, the seconds used captured.
 *
 *   1. The server's PaymentRequirements for this job (x402 v2) from `jobs.quote`: the
 *      first is scheme "auth-capture" (escrow); a 402 from `jobs.submit` carries them too.
 *   2. The wallet signs one EIP-3009 ReceiveWithAuthorization of the job's ceiling to the
 *      escrow's token collector (EIP-712 typed data that the wallet shows), through x402's
 *      own client scheme (`@x402/evm/auth-capture/client`, loaded only when someone pays).
 *      Its nonce commits to every term of the hold: the seller, the amount, our operator,
 *      the deadlines and the fee.
 *   3. `jobs.submit` again with `payment`: the x402 PaymentPayload. The server verifies
 *      it, has the escrow hold the ceiling, and only then queues the job; after the job,
 *      the seconds used are captured for the seller and the rest comes back.
 * ──────────────────────────────────────────────────────────────────────────────────────
 */
import type { Address } from "viem";

export interface PaymentRequirements {
  scheme: string;
  network: string;
  asset: string;
  amount: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: Record<string, unknown>;
}

export interface TypedDataSigner {
  address: Address;
  signTypedData(args: {
    domain: Record<string, unknown>;
    types: Record<string, unknown>;
    primaryType: string;
    message: Record<string, unknown>;
  }): Promise<`0x${string}`>;
}

/** The EVM chain id of a CAIP-2 network ("eip155:8453" → 8453). */
export function chainIdOfRequirements(requirements: PaymentRequirements): number {
  const m = /^eip155:(\d+)$/.exec(requirements.network);
  if (!m)
    throw new Error(`This marketplace asks for payment on ${requirements.network}, which this page cannot pay on.`);
  return Number(m[1]);
}

/**
 * Signs the x402 payment for `requirements`: "auth-capture" (the ceiling held in escrow)
 * or "exact" (paid at submission); returns the PaymentPayload to submit.
 */
export async function signPayment(signer: TypedDataSigner, requirements: PaymentRequirements) {
  const scheme =
    requirements.scheme === "auth-capture"
      ? new (await import("@x402/evm/auth-capture/client")).AuthCaptureEvmScheme(signer)
      : new (await import("@x402/evm/exact/client")).ExactEvmScheme(signer);
  const partial = await scheme.createPaymentPayload(2, requirements as never);
  return { x402Version: 2 as const, payload: partial.payload, accepted: requirements };
}
