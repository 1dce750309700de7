import { TRPCClientError } from "@trpc/client";
import { isReason, type PaymentReason, type Reason } from "./reasons";

/**
 * Turns any error the UI meets (tRPC, wallet, network) into a sentence a person
 * can act on. tRPC errors carry `data.reason` (machine-readable) and
 * `data.details`; most server messages are already written for people.
 */
export interface ErrorData {
  code?: string;
  httpStatus?: number;
  reason?: string | null;
  details?: Record<string, unknown> | null;
  issues?: { path: string; message: string }[] | null;
}

export function errorData(err: unknown): ErrorData | undefined {
  if (err instanceof TRPCClientError) return (err.data ?? undefined) as ErrorData | undefined;
  return undefined;
}

export function errorReason(err: unknown): string | undefined {
  return errorData(err)?.reason ?? undefined;
}

const str = (v: unknown) =>
  typeof v === "string" || typeof v === "number" || typeof v === "bigint" ? String(v) : undefined;

/** Amounts in payment details may be USD strings or atomic USDC units: show dollars. */
function usdOf(details: Record<string, unknown>, usdKey: string, atomicKey: string): string | undefined {
  const usd = str(details[usdKey]);
  if (usd) return `$${usd}`;
  const atomic = str(details[atomicKey]);
  if (atomic && /^\d+$/.test(atomic)) {
    const a = BigInt(atomic);
    const frac = (a % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
    return `$${a / 1_000_000n}.${frac}`;
  }
  return undefined;
}

/** Payment reasons whose server message is already written for people (services/payments). */
const WORDED_PAYMENT_REASONS: ReadonlySet<Reason> = new Set<PaymentReason>([
  "payment_required",
  "insufficient_balance",
  "invalid_signature",
  "nonce_already_used",
  "expired",
  "not_yet_valid",
  "asset_mismatch",
  "network_mismatch",
  "recipient_mismatch",
  "amount_too_low",
  "amount_mismatch",
  "valid_before_too_soon",
  "payer_mismatch",
]);

const EXPIRED = "The payment authorization expired before it reached us. Please pay again.";
const USED = "This payment authorization was already used. Please pay again.";

/** Words for reasons whose server message is not (or, when empty, cannot be) shown as it is. */
const PAYMENT_FALLBACKS: Partial<Record<Reason, string>> = {
  expired: EXPIRED,
  valid_before_too_soon: EXPIRED,
  nonce_already_used: USED,
  invalid_signature: "The payment signature is not valid for this wallet. Please sign again.",
  network_mismatch:
    "The payment was signed for a different network. Switch your wallet to the marketplace's network and pay again.",
  recipient_mismatch:
    "The payment does not match the quote (amount or recipient). The price may have changed: review it and pay again.",
  payment_invalid: "The payment was refused. Please sign a new one and try again.",
};

/** Human words for our payment reasons. */
function paymentMessage(reason: Reason, details: Record<string, unknown>, message: string): string | undefined {
  if (reason === "insufficient_balance") {
    const balance = usdOf(details, "balanceUsd", "balance");
    const cost = usdOf(details, "requiredUsd", "required") ?? usdOf(details, "amountUsd", "amount");
    const base = message
      ? message
      : balance && cost
        ? `Your USDC balance is ${balance}, this job costs ${cost}.`
        : "Your wallet does not hold enough USDC for this job.";
    return `${base} Add USDC to your wallet or shorten the maximum duration.`;
  }
  if (WORDED_PAYMENT_REASONS.has(reason) && message) return message;
  return PAYMENT_FALLBACKS[reason];
}

/**
 * Words for a reason that is not one of ours: an x402 facilitator's own (e.g.
 * "invalid_exact_evm_payload_authorization_valid_before"), matched by what it names.
 */
function facilitatorMessage(reason: string, details: Record<string, unknown>): string | undefined {
  if (reason.includes("insufficient_balance") || reason === "insufficient_funds") {
    const balance = usdOf(details, "balanceUsd", "balance");
    const cost = usdOf(details, "requiredUsd", "required") ?? usdOf(details, "amountUsd", "amount");
    const base =
      balance && cost
        ? `Your USDC balance is ${balance}, this job costs ${cost}.`
        : "Your wallet does not hold enough USDC for this job.";
    return `${base} Add USDC to your wallet or shorten the maximum duration.`;
  }
  if (reason.includes("valid_before") || reason.includes("expired")) return EXPIRED;
  if (reason.includes("valid_after"))
    return "The payment authorization is not valid yet. Check your computer's clock and try again.";
  if (reason.includes("nonce") && reason.includes("used")) return USED;
  if (reason.includes("signature")) return PAYMENT_FALLBACKS.invalid_signature;
  if (reason.includes("network_mismatch")) return PAYMENT_FALLBACKS.network_mismatch;
  if (
    reason.includes("recipient_mismatch") ||
    reason.includes("value_mismatch") ||
    reason.includes("authorization_value")
  ) {
    return PAYMENT_FALLBACKS.recipient_mismatch;
  }
  if (reason.includes("token_name") || reason.includes("token_version"))
    return "The payment was signed for a different USDC token. Please pay again.";
  if (reason.includes("simulation_failed") || reason.includes("transaction_failed"))
    return "The USDC transfer would fail on chain (often a low balance). Check your wallet and try again.";
  return undefined;
}

/** Seconds to wait before trying again, for a rate-limited error (429 with Retry-After); else undefined. */
export function retryAfterSecondsOf(err: unknown): number | undefined {
  const data = errorData(err);
  if (!data || (data.reason !== "rate_limited" && data.code !== "TOO_MANY_REQUESTS")) return undefined;
  const s = Number((data.details ?? {}).retryAfterSeconds);
  return Number.isFinite(s) && s > 0 ? Math.ceil(s) : undefined;
}

/** The rate-limit message for `seconds` left (counted down live by ErrorMessage). */
export function waitMessage(seconds: number): string {
  return seconds > 0
    ? `You're going a little fast. Please wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`
    : "You can try again now.";
}

const REASONS: Partial<Record<Reason, (d: Record<string, unknown>, message: string) => string>> = {
  rate_limited: (d) =>
    Number(d.retryAfterSeconds) > 0
      ? waitMessage(Math.ceil(Number(d.retryAfterSeconds)))
      : "You're going a little fast. Please wait a few seconds and try again.",
  node_offline: () =>
    "This node is offline right now (its agent has not checked in for a minute). Pick another node or try later.",
  node_paused: () => "This node is paused by its seller and takes no new jobs.",
  node_suspended: () => "This node is suspended by ComputeSwarm and takes no jobs.",
  node_not_found: () => "This node does not exist (it may have been removed).",
  job_not_found: () => "This job does not exist, or it belongs to another wallet.",
  not_cancellable: (_d, m) => m,
  siwe_wrong_chain: (_d, m) => `Sign-in was for the wrong network. ${m}`,
  siwe_nonce: () => "That sign-in attempt expired. Please sign in again.",
  // The server's words name the address to open ("open the marketplace at …").
  siwe_invalid: (_d, m) => m || "That sign-in message expired or was made for another site. Please sign in again.",
  bad_signature: () => "The signature does not match your wallet's address.",
  // Seller signatures (registering a node, changing its settings) are short-lived and single-use.
  signature_expired: () =>
    "Your signed request expired before it reached us (seller signatures are short-lived). Please sign it again.",
  nonce_reused: () => "This signed request was already used. Please sign again to make the change.",
  invalid_input: (_d, m) => `Please check the form: ${m}`,
  chain_unavailable: (_d, m) => m || "The payment network cannot be reached right now; try again in a minute.",
};

export function describeError(err: unknown): string {
  if (!err) return "Something went wrong.";
  const data = errorData(err);
  const message = err instanceof Error ? err.message : String(err);
  if (data) {
    const details = data.details ?? {};
    const reason = data.reason ?? undefined;
    if (reason) {
      const known = isReason(reason)
        ? (REASONS[reason]?.(details, message) ?? paymentMessage(reason, details, message))
        : facilitatorMessage(reason, details);
      if (known) return known;
    }
    if (data.httpStatus === 401 || data.code === "UNAUTHORIZED") return message || "Sign in with your wallet first.";
    if (data.code === "FORBIDDEN") return message || "You are not allowed to do that.";
    if (data.code === "TOO_MANY_REQUESTS") return "You're going a little fast. Please wait a moment and try again.";
    if (data.code === "INTERNAL_SERVER_ERROR") return "Something went wrong on our side. Please try again in a moment.";
    return message;
  }
  // Wallet errors (viem / wagmi).
  const name = (err as { name?: string }).name ?? "";
  const shortMessage = (err as { shortMessage?: string }).shortMessage;
  if (name === "UserRejectedRequestError" || /user (rejected|denied)|rejected the request/i.test(message)) {
    return "You cancelled the request in your wallet.";
  }
  if (name === "ConnectorNotConnectedError") return "Connect your wallet first.";
  if (name === "ConnectorChainMismatchError" || name === "ChainMismatchError")
    return "Your wallet is on another network. Switch it to the marketplace's network and try again.";
  if (name === "SwitchChainError") return shortMessage ?? "Your wallet could not switch networks.";
  if ((err instanceof TypeError || err instanceof TRPCClientError) && /fetch|network|load failed/i.test(message)) {
    return "We can't reach the ComputeSwarm server. Check your connection and try again.";
  }
  return shortMessage ?? message;
}
