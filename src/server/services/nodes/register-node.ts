import { getAddress } from "viem";
import type { GpuInfo, SignedRegistration } from "@computeswarm/protocol";
import type { Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { consumeNonce, verifySellerSignature } from "./seller-signatures";
import { newAgentToken } from "./agent-token";
import { invalidateNodeRows } from "./list-cache";

/**
 * Registers a node from the seller's signed EIP-712 RegisterNode message.
 * Returns the node id and its agent token (shown once; only the hash is kept).
 */
export async function registerNode(
  deps: Pick<Deps, "env" | "clock" | "prisma" | "redis">,
  { message, signature }: SignedRegistration,
): Promise<{ nodeId: string; agentToken: string; seller: string }> {
  const seller = await verifySellerSignature(deps, "RegisterNode", message.seller, message, signature as `0x${string}`);
  return createNode(deps, message, (tx) => consumeNonce(tx, seller, message.nonce, BigInt(message.expiry)));
}

/** Stores a node and issues its agent token, in one transaction with `alsoInTx` (nonce consumption). */
export async function createNode(
  deps: Pick<Deps, "prisma" | "redis">,
  node: { seller: string; gpuInfo: GpuInfo; pricePerHour: string; endpoint: string; name?: string },
  alsoInTx?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<{ nodeId: string; agentToken: string; seller: string }> {
  const { token, hash } = newAgentToken();
  const gpu = node.gpuInfo;
  const created = await deps.prisma.$transaction(async (tx) => {
    await alsoInTx?.(tx);
    return tx.node.create({
      data: {
        sellerAddress: getAddress(node.seller),
        name: node.name || null,
        gpuInfo: gpu,
        gpuModel: gpu.model,
        vramMiB: gpu.vramMiB,
        gpuCount: gpu.gpuCount,
        tflops: gpu.benchmark?.tflops ?? null,
        pricePerHour: node.pricePerHour,
        endpoint: node.endpoint,
        agentTokenHash: hash,
      },
      select: { id: true, sellerAddress: true },
    });
  });
  await invalidateNodeRows(deps);
  return { nodeId: created.id, agentToken: token, seller: created.sellerAddress };
}
