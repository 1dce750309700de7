import type { Deps } from "../../deps";

/**
 * Discovery results are cached for a few seconds, in process. Every change to
 * a node, on any instance, bumps a version number in Redis that is part of the
 * cache key, so a change is visible at once everywhere; a hit costs that one
 * GET. Kept in process (not in Redis) because storing a page there cost more
 * than computing it: a JSON.stringify and a large write on every miss, a
 * JSON.parse on every hit. A Redis that lost its keys restarts the versions:
 * a page cached under a reused number may then be served until it expires.
 */
const VERSION_KEY = "nodes:list:version";
/** Pages kept per instance; past it, expired ones go, then the oldest. */
export const MAX_CACHED_LISTS = 2_000;

export async function invalidateNodeLists(deps: Pick<Deps, "redis">): Promise<void> {
  await deps.redis.cmd.incr(VERSION_KEY);
}

/** `compute`'s answer for `input`, shared by concurrent callers; a failure is not kept. */
export async function cachedNodeList<T>(
  deps: Pick<Deps, "redis" | "env" | "clock" | "local">,
  input: unknown,
  compute: () => Promise<T>,
): Promise<T> {
  const version = (await deps.redis.cmd.get(VERSION_KEY)) ?? "0";
  const key = `${version}:${JSON.stringify(input)}`;
  const lists = (deps.local.nodeLists ??= new Map());
  const now = deps.clock.now().getTime();
  const hit = lists.get(key);
  if (hit && hit.expires > now) return hit.value as Promise<T>;
  const value = compute();
  lists.delete(key); // re-inserted at the end: insertion order stays expiry order
  if (lists.size >= MAX_CACHED_LISTS) evict(lists, now);
  lists.set(key, { expires: now + deps.env.NODE_LIST_CACHE_SECONDS * 1000, value });
  value.catch(() => {
    if (lists.get(key)?.value === value) lists.delete(key);
  });
  return value;
}

/**
 * Drops expired pages, then the oldest while still full. A Map iterates in
 * insertion order and every page lives as long, so the expired ones are at
 * the front: this stops at the first live one instead of scanning them all
 * (with every request a miss, it ran on every insert).
 */
function evict(lists: NonNullable<Deps["local"]["nodeLists"]>, now: number) {
  for (const [key, entry] of lists) {
    if (entry.expires > now && lists.size < MAX_CACHED_LISTS) break;
    lists.delete(key);
  }
}
