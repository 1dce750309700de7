import { z } from "zod";
import {
  addressSchema,
  endpointSchema,
  expirySchema,
  nodeNameSchema,
  nonceSchema,
  priceSchema,
  sellerTypedData,
  signatureSchema,
  type RegisterNodeMessage,
  type SellerDeployment,
} from "./registration";

/**
 * The seller's signed messages besides RegisterNode (see sellerTypes): each is
 * `{ message, signature }`, the message carrying the seller, a one-time nonce
 * and an expiry. The dashboard signs them with the wallet; the server checks
 * the signer is the node's seller.
 */

/** UpdateNode: the owning seller changes price and endpoint (and the name, when the message has one). */
export const updateNodeMessageSchema = z.object({
  seller: addressSchema,
  nodeId: z.string().uuid(),
  pricePerHour: priceSchema,
  endpoint: endpointSchema,
  /** Absent: the name stays; "" clears it. When present the seller signed UpdateNamedNode. */
  name: nodeNameSchema.optional(),
  nonce: nonceSchema,
  expiry: expirySchema,
});
export type UpdateNodeMessage = z.infer<typeof updateNodeMessageSchema>;
export const signedUpdateNodeSchema = z.object({ message: updateNodeMessageSchema, signature: signatureSchema });
export type SignedUpdateNode = z.infer<typeof signedUpdateNodeSchema>;

/** SetNodePaused: the owning seller pauses (no new jobs) or resumes a node. */
export const setNodePausedMessageSchema = z.object({
  seller: addressSchema,
  nodeId: z.string().uuid(),
  paused: z.boolean(),
  nonce: nonceSchema,
  expiry: expirySchema,
});
export type SetNodePausedMessage = z.infer<typeof setNodePausedMessageSchema>;
export const signedSetNodePausedSchema = z.object({ message: setNodePausedMessageSchema, signature: signatureSchema });
export type SignedSetNodePaused = z.infer<typeof signedSetNodePausedSchema>;

/** PairNode: the seller's price and endpoint for a one-time code an agent redeems with its GPUs. */
export const pairNodeMessageSchema = z.object({
  seller: addressSchema,
  pricePerHour: priceSchema,
  endpoint: endpointSchema,
  /** The paired node's name; when present the seller signed PairNamedNode. */
  name: nodeNameSchema.optional(),
  nonce: nonceSchema,
  expiry: expirySchema,
});
export type PairNodeMessage = z.infer<typeof pairNodeMessageSchema>;
export const signedPairNodeSchema = z.object({ message: pairNodeMessageSchema, signature: signatureSchema });
export type SignedPairNode = z.infer<typeof signedPairNodeSchema>;

/** The message of each seller action, by its EIP-712 primary type. */
export interface SellerMessages {
  RegisterNode: RegisterNodeMessage;
  UpdateNode: UpdateNodeMessage;
  PairNode: PairNodeMessage;
  SetNodePaused: SetNodePausedMessage;
}

/** Whatever signs EIP-712 typed data as viem does: a local account, a wallet client, the browser wallet. */
export interface SellerSigner {
  signTypedData(typedData: ReturnType<typeof sellerTypedData>): Promise<`0x${string}`>;
}

/**
 * Signs a seller message for one marketplace deployment and returns it as
 * every door takes it: `{ message, signature }`. The one way the agent, the
 * demo agent, tests, e2e helpers and benches sign.
 */
export async function signSellerMessage<P extends keyof SellerMessages, M extends SellerMessages[P]>(
  signer: SellerSigner,
  deployment: SellerDeployment,
  primaryType: P,
  message: M,
): Promise<{ message: M; signature: `0x${string}` }> {
  const signature = await signer.signTypedData(sellerTypedData(deployment, primaryType, message));
  return { message, signature };
}
