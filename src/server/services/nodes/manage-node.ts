import type { SignedSetNodePaused, SignedUpdateNode } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { consumeNonce, verifySellerSignature } from "./seller-signatures";
import { invalidateNodeRows } from "./list-cache";
import { announceNodeChange } from "./node-changes";
import type { Prisma } from "@/generated/prisma/client";

type ManageDeps = Pick<Deps, "env" | "clock" | "prisma" | "redis" | "log" | "local">;

async function ownedNode(tx: Prisma.TransactionClient, nodeId: string, seller: string) {
  const node = await tx.node.findUnique({ where: { id: nodeId } });
  if (!node) throw new AppError("NOT_FOUND", `Node ${nodeId} does not exist.`, "node_not_found");
  if (node.sellerAddress.toLowerCase() !== seller.toLowerCase()) {
    throw new AppError("FORBIDDEN", "Only the seller who registered this node can change it.", "not_owner");
  }
  return node;
}

/** The owning seller changes price and endpoint. */
export async function updateNode(deps: ManageDeps, { message, signature }: SignedUpdateNode) {
  const seller = await verifySellerSignature(
    deps,
    "UpdateNode",
    message.seller,
    { ...message, expiry: BigInt(message.expiry) },
    signature as `0x${string}`,
  );
  await deps.prisma.$transaction(async (tx) => {
    await ownedNode(tx, message.nodeId, seller);
    await consumeNonce(tx, seller, message.nonce, BigInt(message.expiry));
    await tx.node.update({
      where: { id: message.nodeId },
      data: {
        pricePerHour: message.pricePerHour,
        endpoint: message.endpoint,
        ...(message.name === undefined ? {} : { name: message.name || null }),
      },
    });
  });
  await invalidateNodeRows(deps);
  return { nodeId: message.nodeId };
}

/** The owning seller pauses (no new jobs) or resumes a node. */
export async function setNodePaused(deps: ManageDeps, { message, signature }: SignedSetNodePaused) {
  const seller = await verifySellerSignature(
    deps,
    "SetNodePaused",
    message.seller,
    { ...message, expiry: BigInt(message.expiry) },
    signature as `0x${string}`,
  );
  await deps.prisma.$transaction(async (tx) => {
    const node = await ownedNode(tx, message.nodeId, seller);
    if (node.status === "suspended") {
      throw new AppError(
        "CONFLICT",
        "This node is suspended by an admin and cannot be paused or resumed.",
        "node_suspended",
      );
    }
    await consumeNonce(tx, seller, message.nonce, BigInt(message.expiry));
    const running = await tx.job.count({ where: { nodeId: node.id, status: "running" } });
    await tx.node.update({
      where: { id: node.id },
      data: { status: message.paused ? "paused" : running > 0 ? "busy" : "available" },
    });
  });
  await announceNodeChange(deps, message.nodeId);
  return { nodeId: message.nodeId, paused: message.paused };
}

/** Admin moderation: a suspended node gets no jobs and leaves the marketplace. */
export async function setNodeSuspended(
  deps: ManageDeps,
  admin: string,
  input: { nodeId: string; suspended: boolean; reason?: string },
) {
  await deps.prisma.$transaction(async (tx) => {
    const node = await tx.node.findUnique({ where: { id: input.nodeId } });
    if (!node) throw new AppError("NOT_FOUND", `Node ${input.nodeId} does not exist.`, "node_not_found");
    const running = await tx.job.count({ where: { nodeId: node.id, status: "running" } });
    await tx.node.update({
      where: { id: node.id },
      data: input.suspended
        ? { status: "suspended", suspendedReason: input.reason ?? null }
        : { status: running > 0 ? "busy" : "available", suspendedReason: null },
    });
    await tx.adminAuditLog.create({
      data: {
        adminAddress: admin,
        action: input.suspended ? "suspend_node" : "unsuspend_node",
        targetType: "node",
        targetId: node.id,
        details: input.reason ? { reason: input.reason } : undefined,
      },
    });
  });
  await announceNodeChange(deps, input.nodeId);
  return { nodeId: input.nodeId, suspended: input.suspended };
}
