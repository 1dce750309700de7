/**
 * Reading a buyer's payment: the x402 v2 PaymentPayload object, or its base64 JSON
 * header form (PAYMENT-SIGNATURE), carrying an EIP-3009 authorization; and the checks
 * that need no chain and no signature verification (cheap, precise reasons) before
 * the facilitator verifies the signature and simulates the transfer.
 */
import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { PaymentPayloadV2Schema } from "@x402/core/schemas";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { EXACT_SCHEME, X402_VERSION } from "./requirements";
import { PaymentRejected } from "./reasons";

const MAX_HEADER_CHARS = 16_384;
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.string().regex(/^\d{1,78}$/);

const authorizationSchema = z.object({
  from: address,
  to: address,
  value: uint,
  validAfter: uint,
  validBefore: uint,
  nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
});
const signature = z.string().regex(/^0x[0-9a-fA-F]+$/);

/** The scheme's own part of the payment (`payload`); x402's schema checks the envelope around it. */
const exactInnerSchema = z.object({ authorization: authorizationSchema, signature });

/**
 * x402's envelope (version, accepted requirements, resource) plus the scheme's
 * `payload`, or null when either does not match. `accepted.extra` defaults to {}.
 */
function parseEnvelope<T extends z.ZodType>(value: unknown, inner: T) {
  const envelope = PaymentPayloadV2Schema.safeParse(value);
  if (!envelope.success) return null;
  const payload = inner.safeParse(envelope.data.payload);
  if (!payload.success) return null;
  const accepted = { ...envelope.data.accepted, extra: envelope.data.accepted.extra ?? {} };
  return { ...envelope.data, accepted, payload: payload.data as z.infer<T> };
}

export interface ExactPayment {
  payload: PaymentPayload;
  from: Address;
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  /** Lowercase 0x-hex, 32 bytes. */
  nonce: Hex;
}

const notX402 = () =>
  new PaymentRejected(
    "invalid_payload",
    "The payment is not an x402 payment: send the PaymentPayload object, or the PAYMENT-SIGNATURE value (base64 of its JSON).",
  );

/** The payload object from a header string (base64 JSON) or an already parsed object. */
export function decodePayment(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  const text = raw.trim();
  if (!text || text.length > MAX_HEADER_CHARS) throw notX402();
  try {
    return decodePaymentSignatureHeader(text);
  } catch {
    throw notX402();
  }
}

/** Parses an exact-scheme (EIP-3009) x402 v2 payment; throws PaymentRejected. */
export function parseExactPayment(raw: unknown): ExactPayment {
  const value = decodePayment(raw);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw notX402();
  const version = (value as { x402Version?: unknown }).x402Version;
  if (version !== X402_VERSION) {
    throw new PaymentRejected(
      "unsupported_version",
      `This marketplace speaks x402 version ${X402_VERSION}, not ${String(version)}.`,
    );
  }
  const parsed = parseEnvelope(value, exactInnerSchema);
  if (!parsed) {
    const accepted = (value as { accepted?: { scheme?: unknown } }).accepted;
    if (accepted && typeof accepted === "object" && accepted.scheme !== EXACT_SCHEME) {
      throw new PaymentRejected(
        "unsupported_scheme",
        `Only the "${EXACT_SCHEME}" scheme (EIP-3009 USDC transfer) is accepted.`,
      );
    }
    throw notX402();
  }
  const { authorization } = parsed.payload;
  return {
    payload: parsed as PaymentPayload,
    from: getAddress(authorization.from),
    to: getAddress(authorization.to),
    value: BigInt(authorization.value),
    validAfter: BigInt(authorization.validAfter),
    validBefore: BigInt(authorization.validBefore),
    nonce: authorization.nonce.toLowerCase() as Hex,
  };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Everything about the payment that can be checked without the chain, against the
 * requirements we quoted. `mustLastUntil`: the authorization has to stay valid at
 * least until then (unix seconds), or the job could finish after it can no longer be settled.
 */
export function checkPayment(
  payment: ExactPayment,
  requirements: PaymentRequirements,
  nowSeconds: number,
  mustLastUntil: number,
  formatUsd: (atomic: bigint) => string,
): void {
  const accepted = payment.payload.accepted;
  if (accepted.scheme !== EXACT_SCHEME) {
    throw new PaymentRejected(
      "unsupported_scheme",
      `Only the "${EXACT_SCHEME}" scheme (EIP-3009 USDC transfer) is accepted.`,
    );
  }
  if (accepted.network !== requirements.network) {
    throw new PaymentRejected(
      "network_mismatch",
      `The payment is for network ${accepted.network}; this marketplace is paid on ${requirements.network}.`,
    );
  }
  if (!same(accepted.asset, requirements.asset)) {
    throw new PaymentRejected(
      "asset_mismatch",
      `The payment is in token ${accepted.asset}; pay in USDC at ${requirements.asset}.`,
    );
  }
  if (!same(payment.to, requirements.payTo) || !same(accepted.payTo, requirements.payTo)) {
    throw new PaymentRejected(
      "recipient_mismatch",
      `The payment goes to ${payment.to}; this job is paid to the node's seller, ${requirements.payTo}.`,
    );
  }
  const due = BigInt(requirements.amount);
  if (payment.value < due) {
    throw new PaymentRejected(
      "amount_too_low",
      `The payment is ${formatUsd(payment.value)} USDC; this job costs ${formatUsd(due)} USDC.`,
    );
  }
  if (payment.value !== due) {
    throw new PaymentRejected(
      "amount_mismatch",
      `The payment is ${formatUsd(payment.value)} USDC; pay exactly ${formatUsd(due)} USDC (the "exact" scheme).`,
    );
  }
  if (payment.validBefore <= BigInt(nowSeconds + 6)) {
    throw new PaymentRejected("expired", "The payment authorization has expired; sign a new one.");
  }
  if (payment.validAfter > BigInt(nowSeconds)) {
    throw new PaymentRejected(
      "not_yet_valid",
      "The payment authorization is not valid yet (validAfter is in the future).",
    );
  }
  if (payment.validBefore < BigInt(mustLastUntil)) {
    throw new PaymentRejected(
      "valid_before_too_soon",
      `The payment authorization expires before the job could be settled; sign one valid for at least ${mustLastUntil - nowSeconds} s.`,
    );
  }
}

// ─────────────────────────────── auth-capture (escrow) ───────────────────────────────

const authCaptureInnerSchema = z.object({
  authorization: authorizationSchema,
  signature,
  salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "salt: 0x followed by 64 hex digits"),
  // Present only with a receiver authorizer or policy (salt binding), which we never publish.
  saltNonce: z.string().optional(),
});

const authCaptureExtraSchema = z
  .object({
    captureAuthorizer: address,
    captureDeadline: z
      .number()
      .int()
      .min(0)
      .max(2 ** 48 - 1),
    refundDeadline: z
      .number()
      .int()
      .min(0)
      .max(2 ** 48 - 1),
    feeRecipient: address,
    minFeeBps: z.number().int().min(0).max(10_000),
    maxFeeBps: z.number().int().min(0).max(10_000),
    authCaptureEscrow: address.optional(),
    operatorType: z.string().optional(),
    receiverAuthorizer: address.optional(),
    policy: address.optional(),
    assetTransferMethod: z.string().optional(),
    paymentFlow: z.string().optional(),
  })
  .passthrough();
export type AcceptedAuthCaptureExtra = z.infer<typeof authCaptureExtraSchema>;

export interface AuthCapturePayment extends ExactPayment {
  salt: Hex;
  /** The `extra` the buyer signed against (copied from our requirements by its client). */
  extra: AcceptedAuthCaptureExtra;
}

/** The scheme a payment says it pays with, or null when it does not look like x402 at all. */
export function schemeOf(raw: unknown): string | null {
  const value = decodePayment(raw);
  if (!value || typeof value !== "object") return null;
  const scheme = (value as { accepted?: { scheme?: unknown } }).accepted?.scheme;
  return typeof scheme === "string" ? scheme : null;
}

/** Parses an auth-capture x402 v2 payment (EIP-3009 ReceiveWithAuthorization to the escrow's collector). */
export function parseAuthCapturePayment(raw: unknown): AuthCapturePayment {
  const value = decodePayment(raw);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw notX402();
  if ((value as { x402Version?: unknown }).x402Version !== X402_VERSION) {
    throw new PaymentRejected("unsupported_version", `This marketplace speaks x402 version ${X402_VERSION}.`);
  }
  const parsed = parseEnvelope(value, authCaptureInnerSchema);
  if (!parsed) {
    const permit2 = (value as { payload?: { permit2Authorization?: unknown } }).payload?.permit2Authorization;
    if (permit2) {
      throw new PaymentRejected(
        "unsupported_scheme",
        'Only the EIP-3009 transfer method of "auth-capture" is accepted (USDC), not Permit2.',
      );
    }
    throw new PaymentRejected(
      "invalid_payload",
      "The auth-capture payment is malformed: it needs payload.authorization, payload.signature and a 32-byte payload.salt.",
    );
  }
  const extra = authCaptureExtraSchema.safeParse(parsed.accepted.extra);
  if (!extra.success) {
    throw new PaymentRejected(
      "invalid_payload",
      "The payment's accepted.extra is not the auth-capture extra this marketplace publishes (pay against the 402's requirements).",
    );
  }
  const { authorization } = parsed.payload;
  return {
    payload: parsed as PaymentPayload,
    from: getAddress(authorization.from),
    to: getAddress(authorization.to),
    value: BigInt(authorization.value),
    validAfter: BigInt(authorization.validAfter),
    validBefore: BigInt(authorization.validBefore),
    nonce: authorization.nonce.toLowerCase() as Hex,
    salt: parsed.payload.salt.toLowerCase() as Hex,
    extra: extra.data,
  };
}

const isZero = (a: string | undefined) => !a || /^0x0{40}$/i.test(a);

/**
 * Everything about an auth-capture payment that needs no chain, against our own
 * requirements and policy (the escrow, our operator, our fee terms, deadlines that
 * leave the job time to run and settle). The signature nonce binds every PaymentInfo
 * field, so the caller then checks the nonce against the rebuilt PaymentInfo.
 */
export function checkAuthCapturePayment(
  payment: AuthCapturePayment,
  requirements: PaymentRequirements,
  policy: {
    escrow: string;
    collector: string;
    nowSeconds: number;
    /** The capture deadline must leave the job time to run fully and settle. */
    captureDeadlineAtLeast: number;
    /** …and be no later than we would ever publish (the buyer's funds would sit too long). */
    captureDeadlineAtMost: number;
  },
  formatUsd: (atomic: bigint) => string,
): void {
  const accepted = payment.payload.accepted;
  const extra = payment.extra;
  const ours = requirements.extra as Record<string, unknown>;
  if (accepted.scheme !== "auth-capture") {
    throw new PaymentRejected("unsupported_scheme", 'This payment is not for the "auth-capture" scheme.');
  }
  if (accepted.network !== requirements.network) {
    throw new PaymentRejected(
      "network_mismatch",
      `The payment is for network ${accepted.network}; this marketplace is paid on ${requirements.network}.`,
    );
  }
  if (!same(accepted.asset, requirements.asset)) {
    throw new PaymentRejected(
      "asset_mismatch",
      `The payment is in token ${accepted.asset}; pay in USDC at ${requirements.asset}.`,
    );
  }
  if (!same(accepted.payTo, requirements.payTo)) {
    throw new PaymentRejected(
      "recipient_mismatch",
      `The payment goes to ${accepted.payTo}; this job is paid to the node's seller, ${requirements.payTo}.`,
    );
  }
  if (extra.authCaptureEscrow !== undefined && !same(extra.authCaptureEscrow, policy.escrow)) {
    throw new PaymentRejected(
      "escrow_mismatch",
      `The payment names escrow ${extra.authCaptureEscrow}; this marketplace uses ${policy.escrow}.`,
    );
  }
  if (
    (extra.operatorType ?? "delegated") !== "delegated" ||
    !isZero(extra.receiverAuthorizer) ||
    !isZero(extra.policy)
  ) {
    throw new PaymentRejected(
      "operator_mismatch",
      "The payment asks for another kind of escrow operator than this marketplace's.",
    );
  }
  if ((extra.assetTransferMethod ?? "eip3009") !== "eip3009" || (extra.paymentFlow ?? "escrow") !== "escrow") {
    throw new PaymentRejected("unsupported_scheme", "Only the escrow flow with an EIP-3009 authorization is accepted.");
  }
  if (payment.payload.payload && (payment.payload.payload as { saltNonce?: unknown }).saltNonce !== undefined) {
    throw new PaymentRejected(
      "invalid_payload",
      "The payment carries a saltNonce, but this marketplace binds no authorizer.",
    );
  }
  if (!same(extra.captureAuthorizer, String(ours.captureAuthorizer))) {
    throw new PaymentRejected(
      "operator_mismatch",
      `The payment's captureAuthorizer is ${extra.captureAuthorizer}; this marketplace's operator is ${String(ours.captureAuthorizer)}.`,
    );
  }
  if (
    extra.minFeeBps !== ours.minFeeBps ||
    extra.maxFeeBps !== ours.maxFeeBps ||
    !same(extra.feeRecipient, String(ours.feeRecipient))
  ) {
    throw new PaymentRejected(
      "fee_mismatch",
      "The payment's fee terms are not this marketplace's (pay against the 402's requirements).",
    );
  }
  const due = BigInt(requirements.amount);
  if (BigInt(accepted.amount) !== due || payment.value !== due) {
    throw new PaymentRejected(
      payment.value < due ? "amount_too_low" : "amount_mismatch",
      `The payment holds ${formatUsd(payment.value)} USDC; this job's ceiling is ${formatUsd(due)} USDC.`,
    );
  }
  if (!same(payment.to, policy.collector)) {
    throw new PaymentRejected(
      "collector_mismatch",
      `The authorization pays ${payment.to}; it must name the escrow's token collector ${policy.collector}.`,
    );
  }
  const now = policy.nowSeconds;
  if (payment.validBefore <= BigInt(now + 6)) {
    throw new PaymentRejected("expired", "The payment authorization has expired; sign a new one.");
  }
  if (payment.validAfter > BigInt(now)) {
    throw new PaymentRejected(
      "not_yet_valid",
      "The payment authorization is not valid yet (validAfter is in the future).",
    );
  }
  if (
    extra.refundDeadline !== extra.captureDeadline ||
    payment.validBefore > BigInt(extra.captureDeadline) ||
    extra.captureDeadline > policy.captureDeadlineAtMost
  ) {
    throw new PaymentRejected(
      "deadline_invalid",
      "The payment's deadlines are not the ones this marketplace publishes (pay against a fresh quote).",
    );
  }
  if (extra.captureDeadline < policy.captureDeadlineAtLeast) {
    throw new PaymentRejected(
      "valid_before_too_soon",
      `The quote's capture deadline is too close for this job to run and be settled; ask for a fresh quote (it needs at least ${policy.captureDeadlineAtLeast - now} s).`,
    );
  }
}
