import { z } from "zod";
import { gpuInfoSchema } from "@computeswarm/protocol";
import type { Node } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { deriveNodeStatus, NODE_STATUSES } from "./node-status";
import { presenceOf } from "./presence";
import { reliabilityOf } from "./reliability";

/** What the API returns for a node. Money as decimal strings, times as ISO strings. */
export const nodeViewSchema = z.object({
  id: z.string(),
  sellerAddress: z.string(),
  /** The seller's name for it; null: unnamed (pages show nodeDisplayName: the GPU model). */
  name: z.string().nullable(),
  gpuInfo: gpuInfoSchema,
  gpuModel: z.string(),
  vramMiB: z.number(),
  gpuCount: z.number(),
  tflops: z.string().nullable(),
  pricePerHour: z.string(),
  endpoint: z.string(),
  /** Container images jobs may name (name@sha256:digest); empty: the node's own runtime only. */
  images: z.array(z.string()),
  status: z.enum(NODE_STATUSES),
  suspendedReason: z.string().nullable(),
  registeredAt: z.string(),
  lastHeartbeatAt: z.string().nullable(),
  gpuUtilization: z.number().nullable(),
  totalJobs: z.number(),
  totalComputeHours: z.string(),
  /** Share of finished jobs the node delivered (not lost to node errors), 0..1; null before its first job. */
  reliability: z.number().min(0).max(1).nullable(),
});
export type NodeView = z.infer<typeof nodeViewSchema>;

/**
 * The one way rows become NodeViews: their presence (Redis) and reliability
 * (PostgreSQL) read together, the status derived with the heartbeat TTL.
 * Same order as `nodes`. A caller that read reliability with the rows
 * (discovery, in its page query) passes it and saves the round trip.
 */
export async function loadNodeViews(
  deps: Pick<Deps, "redis" | "prisma" | "clock" | "env">,
  nodes: NodeRow[],
  known?: Map<string, number>,
): Promise<NodeView[]> {
  const ids = nodes.map((n) => n.id);
  const [presence, reliability] = await Promise.all([presenceOf(deps, ids), known ?? reliabilityOf(deps, ids)]);
  const nowMs = deps.clock.now().getTime();
  return nodes.map((n) =>
    toNodeView(n, presence.get(n.id), nowMs, deps.env.HEARTBEAT_TTL_SECONDS, reliability.get(n.id) ?? null),
  );
}

/** What a view reads of a node row: never its token hash. */
export type NodeRow = Omit<Node, "agentTokenHash" | "updatedAt">;

export function toNodeView(
  node: NodeRow,
  presence: { lastSeenMs?: number; gpuUtilization?: number } | undefined,
  nowMs: number,
  ttlSeconds: number,
  reliability: number | null = null,
): NodeView {
  const lastSeen = presence?.lastSeenMs ?? node.lastHeartbeat?.getTime();
  const status = deriveNodeStatus(node.status, presence?.lastSeenMs, nowMs, ttlSeconds);
  return {
    id: node.id,
    sellerAddress: node.sellerAddress,
    name: node.name ?? null,
    // Validated when stored, and again on the way out: every procedure returning views declares nodeViewSchema.
    gpuInfo: node.gpuInfo as NodeView["gpuInfo"],
    gpuModel: node.gpuModel,
    vramMiB: node.vramMiB,
    gpuCount: node.gpuCount,
    tflops: node.tflops?.toString() ?? null,
    pricePerHour: node.pricePerHour.toString(),
    endpoint: node.endpoint,
    images: node.images ?? [],
    status,
    suspendedReason: node.suspendedReason,
    registeredAt: node.registeredAt.toISOString(),
    lastHeartbeatAt: lastSeen === undefined ? null : new Date(lastSeen).toISOString(),
    gpuUtilization: status === "offline" ? null : (presence?.gpuUtilization ?? null),
    totalJobs: node.totalJobs,
    totalComputeHours: node.totalComputeHours.toString(),
    reliability,
  };
}
