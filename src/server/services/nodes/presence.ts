import type { Deps } from "../../deps";

/**
 * Node liveness in Redis, in one place: the sorted set `nodes:seen` (id → last
 * beat in ms), which lets discovery find every live node with one range query.
 * Entries silent for SEEN_RETENTION_MS are pruned there (a node page then
 * shows PostgreSQL's last_heartbeat, flushed long before).
 */
export const SEEN_KEY = "nodes:seen";
export const SEEN_RETENTION_MS = 24 * 3600 * 1000;
export const utilKey = (id: string) => `gpuutil:${id}`;

/**
 * Node ids whose last heartbeat is within the TTL, with the time it was seen.
 * Read at most once a second per process: discovery asks for it on every query.
 */
const LIVE_MEMO_MS = 1000;
export async function liveNodes(deps: Pick<Deps, "redis" | "clock" | "env" | "local">): Promise<Map<string, number>> {
  const now = deps.clock.now().getTime();
  const memo = deps.local.liveNodes;
  if (memo && now - memo.at >= 0 && now - memo.at < LIVE_MEMO_MS) return memo.live;
  const live = await readLiveNodes(deps, now);
  deps.local.liveNodes = { at: now, live };
  return live;
}

/** Any cached view of liveness is stale after a node comes online or is removed. */
export function forgetLiveNodes(deps: Pick<Deps, "local">) {
  deps.local.liveNodes = undefined;
}

async function readLiveNodes(deps: Pick<Deps, "redis" | "env">, now: number): Promise<Map<string, number>> {
  const since = now - deps.env.HEARTBEAT_TTL_SECONDS * 1000;
  const results =
    (await deps.redis.cmd
      .pipeline()
      .zremrangebyscore(SEEN_KEY, "-inf", `(${now - SEEN_RETENTION_MS}`)
      .zrangebyscore(SEEN_KEY, since, "+inf", "WITHSCORES")
      .exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
  const flat = (results[1]?.[1] ?? []) as string[];
  const live = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) live.set(flat[i]!, Number(flat[i + 1]));
  return live;
}

/** Last-seen time and GPU utilisation for the given nodes: two commands, however many nodes. */
export async function presenceOf(
  deps: Pick<Deps, "redis">,
  ids: string[],
): Promise<Map<string, { lastSeenMs?: number; gpuUtilization?: number }>> {
  const out = new Map<string, { lastSeenMs?: number; gpuUtilization?: number }>();
  if (ids.length === 0) return out;
  // Redis not answering rejects here: it is never read as "not seen".
  const [seen, util] = await Promise.all([
    deps.redis.cmd.zmscore(SEEN_KEY, ...ids),
    deps.redis.cmd.mget(ids.map(utilKey)),
  ]);
  ids.forEach((id, i) => {
    const s = seen[i];
    const u = util[i];
    out.set(id, {
      lastSeenMs: s == null ? undefined : Number(s),
      gpuUtilization: u == null ? undefined : Number(u),
    });
  });
  return out;
}

/**
 * After Redis came back empty: puts back the liveness PostgreSQL last saw
 * (nodes.last_heartbeat, flushed in batches) for nodes still within the TTL,
 * so healthy nodes do not read offline until their next beat. A beat that
 * arrived since is newer and is kept (NX). Returns how many were restored.
 */
export async function restorePresenceFromDatabase(
  deps: Pick<Deps, "redis" | "prisma" | "clock" | "env" | "local">,
): Promise<number> {
  const now = deps.clock.now().getTime();
  const ttlMs = deps.env.HEARTBEAT_TTL_SECONDS * 1000;
  const recent = await deps.prisma.node.findMany({
    where: { lastHeartbeat: { gt: new Date(now - ttlMs) } },
    select: { id: true, lastHeartbeat: true },
  });
  if (recent.length === 0) return 0;
  await deps.redis.cmd.zadd(
    SEEN_KEY,
    "NX",
    ...recent.flatMap(({ id, lastHeartbeat }) => [lastHeartbeat!.getTime(), id]),
  );
  forgetLiveNodes(deps);
  return recent.length;
}
