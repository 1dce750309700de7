/**
 * The x402 facilitator as the marketplace uses it: verify a payment against its
 * requirements, settle it on chain. Two implementations: in-process (our relayer
 * key through viem) and remote (an x402 facilitator's HTTP API).
 */
import type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse } from "@x402/core/types";

export type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse };

export interface Facilitator {
  kind: "in-process" | "remote";
  /** Never throws for an invalid payment (isValid: false + reason); throws FacilitatorUnavailableError when it cannot answer. */
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>;
  /** Sends the transfer and waits for its receipt. Throws FacilitatorUnavailableError when it cannot answer. */
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse>;
}

/** The facilitator could not be asked (network error, timeout, 5xx): try again later. */
export class FacilitatorUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FacilitatorUnavailableError";
  }
}
