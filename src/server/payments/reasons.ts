/**
 * How the x402 facilitator's reasons map onto ours (lib/reasons.ts PAYMENT_REASONS:
 * machine-readable reasons the UI and x402 clients can act on).
 */
import type { PaymentReason } from "@/lib/reasons";

export { PAYMENT_REASONS, type PaymentReason } from "@/lib/reasons";

/** A refused payment; the service turns it into a 402 carrying the requirements. */
export class PaymentRejected extends Error {
  constructor(
    readonly reason: PaymentReason,
    message: string,
    /** The facilitator's own reason, when it decided. */
    readonly facilitatorReason?: string,
  ) {
    super(message);
    this.name = "PaymentRejected";
  }
}

const FROM_FACILITATOR: Record<string, PaymentReason> = {
  invalid_exact_evm_scheme: "unsupported_scheme",
  invalid_exact_evm_network_mismatch: "network_mismatch",
  invalid_exact_evm_recipient_mismatch: "recipient_mismatch",
  invalid_exact_evm_signature: "invalid_signature",
  invalid_exact_evm_failed_to_parse_signature: "invalid_signature",
  invalid_exact_evm_payload_authorization_valid_before: "expired",
  invalid_exact_evm_payload_authorization_valid_after: "not_yet_valid",
  invalid_exact_evm_payload_authorization_value_mismatch: "amount_mismatch",
  invalid_exact_evm_authorization_value: "amount_mismatch",
  invalid_exact_evm_token_name_mismatch: "asset_mismatch",
  invalid_exact_evm_token_version_mismatch: "asset_mismatch",
  invalid_exact_evm_eip3009_not_supported: "asset_mismatch",
  invalid_exact_evm_nonce_already_used: "nonce_already_used",
  invalid_exact_evm_insufficient_balance: "insufficient_balance",
};

export function reasonFromFacilitator(invalidReason: string | undefined): PaymentReason {
  return (invalidReason && FROM_FACILITATOR[invalidReason]) || "payment_invalid";
}

/** Settlement failures that retrying cannot fix (the payment is marked failed for admins). */
export function isPermanentSettleFailure(errorReason: string | undefined): boolean {
  const reason = reasonFromFacilitator(errorReason);
  return (
    reason === "insufficient_balance" ||
    reason === "expired" ||
    reason === "amount_mismatch" ||
    reason === "recipient_mismatch" ||
    reason === "asset_mismatch" ||
    reason === "network_mismatch" ||
    reason === "unsupported_scheme"
  );
}
