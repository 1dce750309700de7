import { randomBytes } from "node:crypto";
import { privateKeyToAccount } from "viem/accounts";
import {
  registerNodeMessageSchema,
  type GpuInfo,
  signSellerMessage,
  type RegisterNodeMessage,
  type SellerDeployment,
  type SignedRegistration,
} from "@computeswarm/protocol";

/** How long a signed registration stays valid. */
export const REGISTRATION_TTL_SECONDS = 600;

export function buildRegisterMessage(input: {
  seller: string;
  gpuInfo: GpuInfo;
  pricePerHour: string;
  endpoint: string;
  /** The node's name; omitted: unnamed, and signed as plain RegisterNode (what older marketplaces know). */
  name?: string;
  nowSeconds?: number;
  nonce?: string;
}): RegisterNodeMessage {
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  // Parse before signing: the server signs over the parsed value, so we must too.
  return registerNodeMessageSchema.parse({
    seller: input.seller,
    gpuInfo: input.gpuInfo,
    pricePerHour: input.pricePerHour,
    endpoint: input.endpoint,
    ...(input.name ? { name: input.name } : {}),
    nonce: input.nonce ?? randomBytes(16).toString("hex"),
    expiry: now + REGISTRATION_TTL_SECONDS,
  });
}

/** EIP-712 RegisterNode signature with the seller's key; the key stays in this function. */
export async function signRegistration(
  privateKey: `0x${string}`,
  deployment: SellerDeployment,
  build: (seller: string) => RegisterNodeMessage,
): Promise<SignedRegistration> {
  const account = privateKeyToAccount(privateKey);
  const message = build(account.address);
  return signSellerMessage(account, deployment, "RegisterNode", message);
}
