/**
 * Reading a buyer's payment: the x402 v2 PaymentPayload object, or its base64 JSON
 * header form (PAYMENT-SIGNATURE), carrying an EIP-3009 authorization; and the checks
 * that need no chain and no signature verification (cheap, precise reasons) before
 * the facilitator verifies the signature and simulates the transfer.
 */
import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { EXACT_SCHEME, X402_VERSION } from "./requirements";
import { PaymentRejected } from "./reasons";

const MAX_HEADER_CHARS = 16_384;
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.string().regex(/^\d{1,78}$/);

const exactPayloadSchema = z.object({
  x402Version: z.literal(X402_VERSION),
  resource: z.object({ url: z.string() }).passthrough().optional(),
  accepted: z
    .object({
      scheme: z.string(),
      network: z.string(),
      asset: z.string(),
      amount: z.string(),
      payTo: z.string(),
      maxTimeoutSeconds: z.number(),
      extra: z.record(z.string(), z.unknown()).default({}),
    })
    .passthrough(),
  payload: z.object({
    authorization: z.object({
      from: address,
      to: address,
      value: uint,
      validAfter: uint,
      validBefore: uint,
      nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
    }),
    signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  }),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

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
  if (!text || text.length > MAX_HEADER_CHARS || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw notX402();
  try {
    return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
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
  const parsed = exactPayloadSchema.safeParse(value);
  if (!parsed.success) {
    const accepted = (value as { accepted?: { scheme?: unknown } }).accepted;
    if (accepted && typeof accepted === "object" && accepted.scheme !== EXACT_SCHEME) {
      throw new PaymentRejected(
        "unsupported_scheme",
        `Only the "${EXACT_SCHEME}" scheme (EIP-3009 USDC transfer) is accepted.`,
      );
    }
    throw notX402();
  }
  const { authorization } = parsed.data.payload;
  return {
    payload: parsed.data as PaymentPayload,
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
