import { z } from "zod";
import { keccak256, stringToBytes } from "viem";
import { gpuInfoSchema } from "./gpu";
import { text } from "./fields";

/**
 * EIP-712 messages a seller signs. The marketplace and the agent import these
 * definitions from here so that both sides hash exactly the same thing.
 */
export const EIP712_DOMAIN_NAME = "ComputeSwarm";
/**
 * Version 2 binds every seller signature to one marketplace deployment (the
 * domain's salt), so a signature made for one marketplace cannot be replayed
 * at another on the same chain. Version 1 (no salt) is refused.
 */
export const EIP712_DOMAIN_VERSION = "2";

/** Which marketplace a seller signs for: its chain and its public URL (PUBLIC_URL; only the origin counts). */
export interface SellerDeployment {
  chainId: number;
  marketplaceUrl: string;
}

/** keccak256("ComputeSwarm deployment " + origin of the marketplace's public URL). */
export function deploymentSalt(marketplaceUrl: string): `0x${string}` {
  return keccak256(stringToBytes(`ComputeSwarm deployment ${new URL(marketplaceUrl).origin}`));
}

export function computeSwarmDomain({ chainId, marketplaceUrl }: SellerDeployment) {
  return {
    name: EIP712_DOMAIN_NAME,
    version: EIP712_DOMAIN_VERSION,
    chainId,
    salt: deploymentSalt(marketplaceUrl),
  } as const;
}

export const sellerTypes = {
  RegisterNode: [
    { name: "seller", type: "address" },
    { name: "gpuInfo", type: "string" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  /** RegisterNode with the node's name: signed instead of RegisterNode when the message has a `name`. */
  RegisterNamedNode: [
    { name: "seller", type: "address" },
    { name: "gpuInfo", type: "string" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "name", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  UpdateNode: [
    { name: "seller", type: "address" },
    { name: "nodeId", type: "string" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  /** UpdateNode that also sets the node's name ("" = back to the default). */
  UpdateNamedNode: [
    { name: "seller", type: "address" },
    { name: "nodeId", type: "string" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "name", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  /** Signed in the seller dashboard: a one-time code an agent redeems with its detected GPUs. */
  PairNode: [
    { name: "seller", type: "address" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  /** PairNode with the name the paired node gets. */
  PairNamedNode: [
    { name: "seller", type: "address" },
    { name: "pricePerHour", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "name", type: "string" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
  SetNodePaused: [
    { name: "seller", type: "address" },
    { name: "nodeId", type: "string" },
    { name: "paused", type: "bool" },
    { name: "nonce", type: "string" },
    { name: "expiry", type: "uint256" },
  ],
} as const;

export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
export const signatureSchema = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature");
/** USD per hour as a decimal string: up to 6 decimals (USDC precision), at most 10,000. */
export const priceSchema = z
  .string()
  .regex(/^\d{1,5}(\.\d{1,6})?$/, "A number in USD with at most 6 decimals, e.g. 2.50.")
  .refine((v) => Number(v) <= 10_000, "At most 10,000 USD per hour.");
export const nonceSchema = z.string().regex(/^[0-9A-Za-z_-]{8,80}$/, "must be 8 to 80 characters of [0-9A-Za-z_-]");
/** Unix seconds; the server also refuses expiries too far in the future. */
export const expirySchema = z.number().int().positive();
export const endpointSchema = text()
  .max(255, "At most 255 characters.")
  .refine(
    (v) => v === "" || /^(https?|agent):\/\/[^\s]+$/.test(v),
    "An http(s):// or agent:// URL, or leave it empty.",
  );

/** At most 64 characters: a node's name is a label in lists. */
export const NODE_NAME_MAX = 64;
/**
 * A node's seller-set name, e.g. "lab-h200-1": printable text without NUL or
 * other control characters, no leading or trailing spaces (it is signed as
 * is), at most 64 characters; "" means unnamed (shown by its GPU model).
 */
export const nodeNameSchema = text()
  .max(NODE_NAME_MAX, `At most ${NODE_NAME_MAX} characters.`)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "No line breaks, tabs or other control characters.")
  .refine((v) => v.trim() === v, "No leading or trailing spaces.");

export const registerNodeMessageSchema = z.object({
  seller: addressSchema,
  gpuInfo: gpuInfoSchema,
  pricePerHour: priceSchema,
  endpoint: endpointSchema,
  /** Optional (agents before 0.3 never send it); when present the seller signs RegisterNamedNode. */
  name: nodeNameSchema.optional(),
  nonce: nonceSchema,
  expiry: expirySchema,
});
export type RegisterNodeMessage = z.infer<typeof registerNodeMessageSchema>;

export const signedRegistrationSchema = z.object({
  message: registerNodeMessageSchema,
  signature: signatureSchema,
});
export type SignedRegistration = z.infer<typeof signedRegistrationSchema>;

/** gpuInfo is signed as canonical JSON (keys sorted) so both sides get identical bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The typed-data `message` to sign or verify for a registration. */
export function registerNodeTypedMessage(m: RegisterNodeMessage) {
  return {
    seller: m.seller as `0x${string}`,
    gpuInfo: canonicalJson(m.gpuInfo),
    pricePerHour: m.pricePerHour,
    endpoint: m.endpoint,
    nonce: m.nonce,
    expiry: BigInt(m.expiry),
  };
}

export type SellerPrimaryType = keyof typeof sellerTypes;

/**
 * The name is optional in RegisterNode, UpdateNode and PairNode messages; a
 * message that carries one is signed as the Named variant (its own type hash),
 * so older signers and verifiers keep working unchanged.
 */
const NAMED_VARIANT: Partial<Record<SellerPrimaryType, SellerPrimaryType>> = {
  RegisterNode: "RegisterNamedNode",
  UpdateNode: "UpdateNamedNode",
  PairNode: "PairNamedNode",
};

/**
 * The complete EIP-712 typed data of a seller message, for signing (viem
 * `signTypedData`, a wallet) and for verifying (`verifyTypedData`) alike:
 * every signer and the server build it here, so they hash the same bytes.
 */
export function sellerTypedData(
  deployment: SellerDeployment,
  primaryType: SellerPrimaryType,
  message: Record<string, unknown> & { expiry: number | bigint },
) {
  const named = typeof message.name === "string" ? NAMED_VARIANT[primaryType] : undefined;
  const base =
    primaryType === "RegisterNode"
      ? registerNodeTypedMessage(message as unknown as RegisterNodeMessage)
      : { ...message, expiry: BigInt(message.expiry) };
  const typed = named ? { ...base, name: message.name } : base;
  return {
    domain: computeSwarmDomain(deployment),
    types: sellerTypes,
    primaryType: named ?? primaryType,
    message: typed as never,
  };
}
