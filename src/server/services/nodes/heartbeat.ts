import type { Deps } from "../../deps";
import { forgetLiveNodes, SEEN_KEY, utilKey } from "./presence";
import { invalidateNodeLists, invalidateNodeRows } from "./list-cache";
import { storedNodeStatus } from "./node-status";
import type { AgentIdentity } from "./agent-auth";

function buffer(deps: Pick<Deps, "local">): Map<string, number> {
  return (deps.local.heartbeatBuffer ??= new Map());
}

/**
 * A heartbeat touches Redis only: the node's score in the live set (its last
 * beat) and its GPU utilisation. PostgreSQL's last_heartbeat is written later,
 * in batches, by flushHeartbeats. Returns the node's stored status (cached in
 * process: node-status.ts) so the agent knows if it has been paused or suspended.
 */
export async function recordHeartbeat(
  deps: Pick<Deps, "redis" | "env" | "clock" | "prisma" | "local" | "metrics" | "log">,
  agent: AgentIdentity,
  input: { gpuUtilization?: number; images?: string[] },
): Promise<{ status: string; serverTime: number }> {
  if (input.images !== undefined) await recordAdvertisedImages(deps, agent.nodeId, input.images);
  const now = deps.clock.now().getTime();
  const ttl = deps.env.HEARTBEAT_TTL_SECONDS;
  // Single commands, not a pipeline of our own: the client's auto-pipelining then sends the
  // commands of every beat in flight in one write. Sent in this order on one connection, the
  // ZSCORE reads the previous beat (was the node offline?) before the ZADD records this one.
  // It is skipped when this instance took the node's last beat within the TTL: online then.
  const redis = deps.redis.cmd;
  const id = agent.nodeId;
  const lastHere = (deps.local.lastBeatHere ??= new Map());
  const beatHere = lastHere.get(id);
  const knownOnline = beatHere !== undefined && now - beatHere <= ttl * 1000;
  const [previous, status] = await Promise.all([
    knownOnline ? beatHere : redis.zscore(SEEN_KEY, id),
    storedNodeStatus(deps, id),
    redis.zadd(SEEN_KEY, now, id),
    input.gpuUtilization === undefined ? undefined : redis.set(utilKey(id), input.gpuUtilization, "EX", ttl),
  ]);
  lastHere.set(id, now);
  buffer(deps).set(id, now);
  deps.metrics.heartbeats.inc();
  // A node coming (back) online changes what discovery shows.
  if (previous === null || now - Number(previous) > ttl * 1000) {
    forgetLiveNodes(deps);
    await invalidateNodeLists(deps);
  }
  return { status, serverTime: now };
}

/**
 * Stores the images a node advertises when they differ from what this process
 * last saw: a heartbeat stays Redis-only unless the seller changed the allowlist.
 */
async function recordAdvertisedImages(
  deps: Pick<Deps, "prisma" | "local" | "redis">,
  nodeId: string,
  images: string[],
): Promise<void> {
  const seen = (deps.local.advertisedImages ??= new Map());
  const key = JSON.stringify(images);
  if (seen.get(nodeId) === key) return;
  const updated = await deps.prisma.node.updateMany({
    where: { id: nodeId, NOT: { images: { equals: images } } },
    data: { images },
  });
  seen.set(nodeId, key);
  if (updated.count > 0) await invalidateNodeRows(deps);
}

/** Writes buffered heartbeat times to nodes.last_heartbeat in one statement. */
export async function flushHeartbeats(deps: Pick<Deps, "prisma" | "local">): Promise<number> {
  const b = buffer(deps);
  if (b.size === 0) return 0;
  const entries = [...b.entries()];
  b.clear();
  const ids = entries.map(([id]) => id);
  const times = entries.map(([, ms]) => new Date(ms));
  await deps.prisma.$executeRaw`
    UPDATE nodes SET last_heartbeat = v.ts
    FROM unnest(${ids}::uuid[], ${times}::timestamptz[]) AS v(id, ts)
    WHERE nodes.id = v.id AND (nodes.last_heartbeat IS NULL OR nodes.last_heartbeat < v.ts)`;
  return entries.length;
}
