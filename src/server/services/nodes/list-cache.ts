import type { Deps } from "../../deps";

/**
 * Discovery results are cached for a few seconds, in process. Every change to
 * what a list shows, on any instance, bumps a version number in Redis that is
 * part of the cache key, so a change is visible at once everywhere; a hit
 * costs one MGET. Two numbers: the rows version moves when a node's stored
 * row changed (the node catalog reloads then, node-catalog.ts), the list
 * version when only liveness did (a node came online: no row to reread).
 * Kept in process (not in Redis) because storing a page there cost more than
 * computing it: a JSON.stringify and a large write on every miss, a
 * JSON.parse on every hit. A Redis that lost its keys restarts the versions:
 * a page cached under a reused number may then be served until it expires.
 */
const LIST_VERSION_KEY = "nodes:list:version";
const ROWS_VERSION_KEY = "nodes:rows:version";
/** Pages kept per instance; past it, expired ones go, then the oldest. */
export const MAX_CACHED_LISTS = 2_000;

/** What discovery shows changed, but no node row did (a node came online). */
export async function invalidateNodeLists(deps: Pick<Deps, "redis">): Promise<void> {
  await deps.redis.cmd.incr(LIST_VERSION_KEY);
}

/** A node's stored row changed (registered, repriced, paused, suspended…), once committed. */
export async function invalidateNodeRows(deps: Pick<Deps, "redis">): Promise<void> {
  await deps.redis.cmd.incr(ROWS_VERSION_KEY);
}

/**
 * The rows version a page must reflect, and when it was read
 * (performance.now()): any read of the rows begun after that instant does.
 */
export interface RowsVersion {
  version: string;
  seenAt: number;
}

/**
 * `compute`'s answer for `input`, shared by concurrent callers; a failure is
 * not kept. `compute` is told the rows version the answer must reflect.
 */
export async function cachedNodeList<T>(
  deps: Pick<Deps, "redis" | "env" | "clock" | "local">,
  input: unknown,
  compute: (rows: RowsVersion) => Promise<T>,
): Promise<T> {
  const [listVersion, rowsVersion] = await deps.redis.cmd.mget(LIST_VERSION_KEY, ROWS_VERSION_KEY);
  const rows = { version: rowsVersion ?? "0", seenAt: performance.now() };
  const key = `${listVersion ?? "0"}:${rows.version}:${JSON.stringify(input)}`;
  const lists = (deps.local.nodeLists ??= new Map());
  const now = deps.clock.now().getTime();
  const hit = lists.get(key);
  if (hit && hit.expires > now) return hit.value as Promise<T>;
  const value = compute(rows);
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
