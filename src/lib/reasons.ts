/**
 * Every machine-readable reason the server sends with an error (`AppError.reason`,
 * tRPC `data.reason`, the HTTP error body's `reason`), in one list the UI may import:
 * lib/errors.ts words them, the server's AppError only accepts them.
 */

/** Why a payment was refused (x402 402 answers; payments/reasons.ts maps the facilitator's onto these). */
export const PAYMENT_REASONS = [
  "payment_required",
  "invalid_payload",
  "unsupported_version",
  "unsupported_scheme",
  "network_mismatch",
  "asset_mismatch",
  "recipient_mismatch",
  "amount_too_low",
  "amount_mismatch",
  "expired",
  "valid_before_too_soon",
  "not_yet_valid",
  "invalid_signature",
  "payer_mismatch",
  "nonce_already_used",
  "insufficient_balance",
  "payment_invalid",
  // auth-capture (escrow)
  "escrow_mismatch",
  "operator_mismatch",
  "fee_mismatch",
  "deadline_invalid",
  "collector_mismatch",
  "nonce_mismatch",
  "authorization_failed",
  // exact: the authorization was used on chain, but not for this payment (e.g. a same-nonce transfer elsewhere)
  "authorization_used_elsewhere",
] as const;
export type PaymentReason = (typeof PAYMENT_REASONS)[number];

export const APP_REASONS = [
  // input and transport
  "invalid_input",
  "bad_json",
  "body_too_large",
  "bad_cursor",
  "cross_origin",
  "rate_limited",
  "storage_unavailable",
  // sign-in and signatures
  "siwe_wrong_chain",
  "siwe_nonce",
  "siwe_invalid",
  "bad_siwe_message",
  "bad_signature",
  "signature_expired",
  "expiry_too_far",
  "nonce_reused",
  // nodes and agents
  "node_not_found",
  "node_offline",
  "node_paused",
  "node_suspended",
  "not_owner",
  "pairing_code_invalid",
  "no_agent_token",
  "bad_agent_token",
  "agent_protocol_outdated",
  // jobs
  "job_not_found",
  "job_not_running",
  "job_type_unsupported",
  "image_not_offered",
  "not_buyer",
  "not_cancellable",
  "access_token_missing",
  // payments
  "payment_in_progress",
  "payment_not_needed",
  "payment_not_found",
  "not_retryable",
  "chain_unavailable",
  "escrow_unavailable",
  // operations
  "metrics_disabled",
  "metrics_token",
] as const;
export type AppReason = (typeof APP_REASONS)[number];

export type Reason = AppReason | PaymentReason;

const ALL: ReadonlySet<string> = new Set<string>([...APP_REASONS, ...PAYMENT_REASONS]);
export function isReason(value: unknown): value is Reason {
  return typeof value === "string" && ALL.has(value);
}
