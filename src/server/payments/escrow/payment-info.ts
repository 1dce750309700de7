/**
 * `PaymentInfo`: the escrow's description of one payment, and the two hashes derived from it.
 * Pure (no RPC); the same bytes as `AuthCaptureEscrow.getHash` and the x402 auth-capture client.
 *
 *  - `paymentInfoHash(chainId, escrow, info)` is the escrow's payment id (`getHash`): it keys
 *    `paymentState` and every escrow event. Key our records by it.
 *  - `payerAgnosticNonce(chainId, escrow, info)` is the same hash with `payer = 0`: the
 *    ERC-3009 nonce the buyer signs (`receiveWithAuthorization` to the EIP-3009 collector).
 *    The collector recomputes it on chain, so an authorization signed for one PaymentInfo
 *    can only ever fund that payment, and once used the buyer cannot reuse or cancel it.
 *
 * `paymentInfoFromAuthCapture` rebuilds the struct from x402 auth-capture requirements and
 * the client's payload, field by field as the scheme's EVM binding defines it.
 */
import {
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  isHex,
  keccak256,
  numberToHex,
  toBytes,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { z } from "zod";
import { MAX_FEE_BPS } from "./contracts";

/** The escrow's struct with viem's types (uint120/uint256 → bigint, uint48/uint16 → number). */
export interface PaymentInfo {
  /** Who may authorize, capture, void and refund: our relayer (x402 `extra.captureAuthorizer`). */
  operator: Address;
  payer: Address;
  /** Who is paid (minus the fee): the seller (`requirements.payTo`). */
  receiver: Address;
  token: Address;
  /** The most the escrow may hold, in atomic units (`requirements.amount`). */
  maxAmount: bigint;
  /** Unix seconds; after it the buyer's authorization can no longer be collected (`authorize`). */
  preApprovalExpiry: number;
  /** Unix seconds; capture must happen before it, and from it the buyer may `reclaim` (x402 `captureDeadline`). */
  authorizationExpiry: number;
  /** Unix seconds; refunds must happen before it (x402 `refundDeadline`). */
  refundExpiry: number;
  minFeeBps: number;
  maxFeeBps: number;
  /** Zero lets the operator name any fee receiver at capture; non-zero pins it. */
  feeReceiver: Address;
  /** The client's randomness: keeps two otherwise identical payments apart. */
  salt: bigint;
}

export const PAYMENT_INFO_TYPE =
  "PaymentInfo(address operator,address payer,address receiver,address token,uint120 maxAmount,uint48 preApprovalExpiry,uint48 authorizationExpiry,uint48 refundExpiry,uint16 minFeeBps,uint16 maxFeeBps,address feeReceiver,uint256 salt)";
export const PAYMENT_INFO_TYPEHASH: Hex = keccak256(toBytes(PAYMENT_INFO_TYPE));

const STRUCT_PARAMS = [
  { type: "bytes32" },
  { type: "address" },
  { type: "address" },
  { type: "address" },
  { type: "address" },
  { type: "uint120" },
  { type: "uint48" },
  { type: "uint48" },
  { type: "uint48" },
  { type: "uint16" },
  { type: "uint16" },
  { type: "address" },
  { type: "uint256" },
] as const;

function structHash(info: PaymentInfo): Hex {
  return keccak256(
    encodeAbiParameters(STRUCT_PARAMS, [
      PAYMENT_INFO_TYPEHASH,
      info.operator,
      info.payer,
      info.receiver,
      info.token,
      info.maxAmount,
      info.preApprovalExpiry,
      info.authorizationExpiry,
      info.refundExpiry,
      info.minFeeBps,
      info.maxFeeBps,
      info.feeReceiver,
      info.salt,
    ]),
  );
}

/** `AuthCaptureEscrow.getHash(info)` on chain `chainId` for the escrow at `escrow`. */
export function paymentInfoHash(chainId: number, escrow: Address, info: PaymentInfo): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "bytes32" }],
      [BigInt(chainId), escrow, structHash(info)],
    ),
  );
}

/** The ERC-3009 nonce the buyer signs for this payment: `paymentInfoHash` with `payer = 0`. */
export function payerAgnosticNonce(chainId: number, escrow: Address, info: PaymentInfo): Hex {
  return paymentInfoHash(chainId, escrow, { ...info, payer: zeroAddress });
}

/** The fee the escrow takes from a capture of `amount` at `feeBps` (its integer division, rounding down). */
export function feeAmountFor(amount: bigint, feeBps: number): bigint {
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > MAX_FEE_BPS) {
    throw new RangeError(`feeBps must be an integer in [0, ${MAX_FEE_BPS}], got ${feeBps}`);
  }
  return (amount * BigInt(feeBps)) / BigInt(MAX_FEE_BPS);
}

/** The salt as the x402 wire spells it: 0x + 64 hex digits. */
export function saltToHex(salt: bigint): Hex {
  return numberToHex(salt, { size: 32 });
}

/** The x402 auth-capture `extra` fields PaymentInfo is built from (all required by the scheme). */
export interface AuthCaptureExtra {
  captureAuthorizer: string;
  captureDeadline: number;
  refundDeadline: number;
  feeRecipient: string;
  minFeeBps: number;
  maxFeeBps: number;
}

/**
 * PaymentInfo as the scheme's EVM binding reconstructs it: operator = extra.captureAuthorizer,
 * payer = the authorization's `from`, receiver = payTo, token = asset, maxAmount = amount,
 * preApprovalExpiry = the authorization's `validBefore`, authorizationExpiry/refundExpiry =
 * extra.captureDeadline/refundDeadline, fee fields from extra, salt = payload.salt.
 * Throws on malformed values; whether they are acceptable (deadlines, fees, our operator) is
 * the verifier's business, and the escrow itself rejects inconsistent ones.
 */
export function paymentInfoFromAuthCapture(input: {
  requirements: { payTo: string; asset: string; amount: string; extra: AuthCaptureExtra };
  payer: string;
  validBefore: string | number;
  salt: string;
}): PaymentInfo {
  const { requirements, payer } = input;
  if (!isHex(input.salt) || input.salt.length !== 66) throw new Error("salt must be 0x followed by 64 hex digits");
  return {
    operator: getAddress(requirements.extra.captureAuthorizer),
    payer: getAddress(payer),
    receiver: getAddress(requirements.payTo),
    token: getAddress(requirements.asset),
    maxAmount: BigInt(requirements.amount),
    preApprovalExpiry: Number(input.validBefore),
    authorizationExpiry: requirements.extra.captureDeadline,
    refundExpiry: requirements.extra.refundDeadline,
    minFeeBps: requirements.extra.minFeeBps,
    maxFeeBps: requirements.extra.maxFeeBps,
    feeReceiver: getAddress(requirements.extra.feeRecipient),
    salt: hexToBigInt(input.salt),
  };
}

// --- a JSON-safe form for storage (bigints as decimal strings, salt as 32-byte hex) ---

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x address");
const uint = (bits: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, "a decimal integer")
    .refine((v) => BigInt(v) < 1n << BigInt(bits), `at most uint${bits}`);
const uint48 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 48 - 1);
const bps = z.number().int().min(0).max(MAX_FEE_BPS);

export const storedPaymentInfoSchema = z.object({
  operator: address,
  payer: address,
  receiver: address,
  token: address,
  maxAmount: uint(120),
  preApprovalExpiry: uint48,
  authorizationExpiry: uint48,
  refundExpiry: uint48,
  minFeeBps: bps,
  maxFeeBps: bps,
  feeReceiver: address,
  salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x followed by 64 hex digits"),
});
export type StoredPaymentInfo = z.infer<typeof storedPaymentInfoSchema>;

export function toStoredPaymentInfo(info: PaymentInfo): StoredPaymentInfo {
  return {
    operator: getAddress(info.operator),
    payer: getAddress(info.payer),
    receiver: getAddress(info.receiver),
    token: getAddress(info.token),
    maxAmount: info.maxAmount.toString(),
    preApprovalExpiry: info.preApprovalExpiry,
    authorizationExpiry: info.authorizationExpiry,
    refundExpiry: info.refundExpiry,
    minFeeBps: info.minFeeBps,
    maxFeeBps: info.maxFeeBps,
    feeReceiver: getAddress(info.feeReceiver),
    salt: saltToHex(info.salt),
  };
}

/** Parses a stored PaymentInfo (throws a ZodError on anything malformed). */
export function fromStoredPaymentInfo(value: unknown): PaymentInfo {
  const s = storedPaymentInfoSchema.parse(value);
  return {
    operator: getAddress(s.operator),
    payer: getAddress(s.payer),
    receiver: getAddress(s.receiver),
    token: getAddress(s.token),
    maxAmount: BigInt(s.maxAmount),
    preApprovalExpiry: s.preApprovalExpiry,
    authorizationExpiry: s.authorizationExpiry,
    refundExpiry: s.refundExpiry,
    minFeeBps: s.minFeeBps,
    maxFeeBps: s.maxFeeBps,
    feeReceiver: getAddress(s.feeReceiver),
    salt: hexToBigInt(s.salt as Hex),
  };
}
