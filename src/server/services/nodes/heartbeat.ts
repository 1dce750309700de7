import type { Deps } from "../../deps";
import { forgetLiveNodes, heartbeatKey, SEEN_KEY, utilKey } from "./presence";
import { invalidateNodeLists } from "./list-cache";
import type { AgentIdentity } from "./agent-auth";

// The stored status (available/busy/paused/suspended) as heartbeats report it. Deleted on every
// change (node-changes.ts, and a job starting or ending: transition.ts), so the TTL is only a backstop
// and a beat reads PostgreSQL about once in STATUS_CACHE_SECONDS per node.
const STATUS_CACHE_SECONDS = 300;
const statusKey = (id: string) => `node:${id}:status`;

function buffer(deps: Pick<Deps, "local">): Map<string, number> {
  return (deps.local.heartbeatBuffer ??= new Map());
}

/**
 * A heartbeat touches Redis only: `SET heartbeat:{id} <ts> EX ttl` and the
 * live set. PostgreSQL's last_heartbeat is written later, in batches, by
 * flushHeartbeats. Returns the node's stored status so the agent knows if
 * it has been paused or suspended.
 */
export async function recordHeartbeat(
  deps: Pick<Deps, "redis" | "env" | "clock" | "prisma" | "local" | "metrics">,
  agent: AgentIdentity,
  input: { gpuUtilization?: number; images?: string[] },
): Promise<{ status: string; serverTime: number }> {
  if (input.images !== undefined) await recordAdvertisedImages(deps, agent.nodeId, input.images);
  const now = deps.clock.now().getTime();
  const ttl = deps.env.HEARTBEAT_TTL_SECONDS;
  // One round trip; SET … GET returns the previous beat (was the node offline?) as it writes this one.
  const pipe = deps.redis.cmd
    .pipeline()
    .set(heartbeatKey(agent.nodeId), String(now), "EX", ttl, "GET")
    .zadd(SEEN_KEY, now, agent.nodeId)
    .get(statusKey(agent.nodeId));
  if (input.gpuUtilization !== undefined) pipe.set(utilKey(agent.nodeId), String(input.gpuUtilization), "EX", ttl);
  const res = (await pipe.exec()) ?? [];
  const previous = res[0]?.[1] as string | null;
  let status = res[2]?.[1] as string | null;
  buffer(deps).set(agent.nodeId, now);
  deps.metrics.heartbeats.inc();
  // A node coming (back) online changes what discovery shows.
  if (!previous || now - Number(previous) > ttl * 1000) {
    forgetLiveNodes(deps);
    await invalidateNodeLists(deps);
  }
  if (!status) {
    const node = await deps.prisma.node.findUnique({ where: { id: agent.nodeId }, select: { status: true } });
    status = node?.status ?? "unknown";
    await deps.redis.cmd.set(statusKey(agent.nodeId), status, "EX", STATUS_CACHE_SECONDS);
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
  if (updated.count > 0) await invalidateNodeLists(deps);
}

/** Forget the cached stored status after a change (pause, suspend, busy). */
export async function forgetNodeStatus(deps: Pick<Deps, "redis">, nodeId: string) {
  await deps.redis.cmd.del(statusKey(nodeId));
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
