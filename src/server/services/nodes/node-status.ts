import type { Deps } from "../../deps";
import { publishCommitted, subscribe } from "../events/bus";

/** The status a buyer sees. "offline" is derived from the heartbeat, never stored. */
export const NODE_STATUSES = ["available", "busy", "offline", "paused", "suspended"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What the nodes table holds (its CHECK constraint lists exactly these). */
export const STORED_NODE_STATUSES = NODE_STATUSES.filter((s) => s !== "offline");

export function deriveNodeStatus(
  stored: string,
  lastSeenMs: number | undefined,
  nowMs: number,
  ttlSeconds: number,
): NodeStatus {
  if (stored === "suspended" || stored === "paused") return stored;
  if (lastSeenMs === undefined || nowMs - lastSeenMs > ttlSeconds * 1000) return "offline";
  return stored === "busy" ? "busy" : "available";
}

/**
 * The stored status (available/busy/paused/suspended) as heartbeats report it,
 * cached in each instance: a beat then costs no database read. Every change
 * (a pause or suspension: node-changes.ts; a job starting or ending:
 * transition.ts) calls forgetNodeStatus, which clears it here at once and on
 * every other instance through NODE_STATUS_CHANNEL. The TTL only bounds how
 * stale an answer can be if that message were lost.
 */
export const STATUS_CACHE_MS = 60_000;
export const NODE_STATUS_CHANNEL = "nodes:status";
const MAX_ENTRIES = 200_000;

export interface StatusCache {
  byNode: Map<string, { status: string; at: number }>;
  /** Bumped on every invalidation: a read that raced one is not kept. */
  epoch: number;
  /** Whether invalidations are heard yet; nothing is kept before. */
  listening: boolean;
}

function statusCacheOf(deps: Pick<Deps, "local" | "redis" | "log">): StatusCache {
  let cache = deps.local.nodeStatuses;
  if (cache) return cache;
  const created: StatusCache = (cache = { byNode: new Map(), epoch: 0, listening: false });
  deps.local.nodeStatuses = created;
  subscribe(deps, NODE_STATUS_CHANNEL, (message) => {
    const nodeId = (JSON.parse(message) as { nodeId?: string }).nodeId;
    if (nodeId) forget(created, nodeId);
  }).then(
    () => (created.listening = true),
    (err: Error) => deps.log.warn({ err: err.message }, "node status cache hears no invalidations; not caching"),
  );
  return cache;
}

function forget(cache: StatusCache, nodeId: string) {
  cache.byNode.delete(nodeId);
  cache.epoch++;
}

/** The node's stored status; "unknown" if the node is gone. */
export async function storedNodeStatus(
  deps: Pick<Deps, "prisma" | "local" | "redis" | "log" | "clock">,
  nodeId: string,
): Promise<string> {
  const cache = statusCacheOf(deps);
  const now = deps.clock.now().getTime();
  const hit = cache.byNode.get(nodeId);
  if (hit && now - hit.at >= 0 && now - hit.at < STATUS_CACHE_MS) return hit.status;
  const epoch = cache.epoch;
  const node = await deps.prisma.node.findUnique({ where: { id: nodeId }, select: { status: true } });
  const status = node?.status ?? "unknown";
  if (cache.listening && cache.epoch === epoch) {
    if (cache.byNode.size >= MAX_ENTRIES) cache.byNode.clear();
    cache.byNode.set(nodeId, { status, at: now });
  }
  return status;
}

/** After a node's stored status changed (committed): every instance reads it afresh. */
export async function forgetNodeStatus(deps: Pick<Deps, "local" | "redis" | "log">, nodeId: string): Promise<void> {
  forget(statusCacheOf(deps), nodeId);
  await publishCommitted(deps, NODE_STATUS_CHANNEL, { nodeId });
}
