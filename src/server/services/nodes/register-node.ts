import { getAddress } from "viem";
import { registerNodeTypedMessage, type SignedRegistration } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { consumeNonce, verifySellerSignature } from "./seller-signatures";
import { newAgentToken } from "./agent-token";
import { invalidateNodeLists } from "./list-cache";

/**
 * Registers a node from the seller's signed EIP-712 RegisterNode message.
 * Returns the node id and its agent token (shown once; only the hash is kept).
 */
export async function registerNode(
  deps: Pick<Deps, "env" | "clock" | "prisma" | "redis">,
  { message, signature }: SignedRegistration,
): Promise<{ nodeId: string; agentToken: string }> {
  const seller = await verifySellerSignature(
    deps,
    "RegisterNode",
    message.seller,
    registerNodeTypedMessage(message),
    signature as `0x${string}`,
  );
  const { token, hash } = newAgentToken();
  const gpu = message.gpuInfo;
  const node = await deps.prisma.$transaction(async (tx) => {
    await consumeNonce(tx, seller, message.nonce, BigInt(message.expiry));
    return tx.node.create({
      data: {
        sellerAddress: getAddress(seller),
        gpuInfo: gpu,
        gpuModel: gpu.model,
        vramMiB: gpu.vramMiB,
        gpuCount: gpu.gpuCount,
        tflops: gpu.benchmark?.tflops ?? null,
        pricePerHour: message.pricePerHour,
        endpoint: message.endpoint,
        agentTokenHash: hash,
      },
      select: { id: true },
    });
  });
  await invalidateNodeLists(deps);
  return { nodeId: node.id, agentToken: token };
}
