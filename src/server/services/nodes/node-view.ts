import { z } from "zod";
import { gpuInfoSchema } from "@computeswarm/protocol";
import type { Node } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { deriveNodeStatus, NODE_STATUSES } from "./node-status";
import { presenceOf } from "./presence";
import { reliabilityFrom } from "./reliability";

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

/** What a view reads of a node row: never its token hash. */
export type NodeRow = Omit<Node, "agentTokenHash" | "updatedAt">;

/**
 * The one way rows become NodeViews: their presence (Redis) read for all of
 * them at once, the status derived with the heartbeat TTL, reliability from
 * the row's own counts. Same order as `nodes`.
 */
export async function loadNodeViews(
  deps: Pick<Deps, "redis" | "clock" | "env">,
  nodes: NodeRow[],
): Promise<NodeView[]> {
  const presence = await presenceOf(
    deps,
    nodes.map((n) => n.id),
  );
  const nowMs = deps.clock.now().getTime();
  return nodes.map((n) => toNodeView(n, presence.get(n.id), nowMs, deps.env.HEARTBEAT_TTL_SECONDS));
}

export function toNodeView(
  node: NodeRow,
  presence: { lastSeenMs?: number; gpuUtilization?: number } | undefined,
  nowMs: number,
  ttlSeconds: number,
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
    reliability: reliabilityFrom(node.jobsFinished, node.jobsLost),
  };
}
