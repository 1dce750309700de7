import { createHash } from "node:crypto";
import type { Deps } from "../../deps";

/**
 * Discovery results are cached for a few seconds. Every change to a node bumps
 * a version number that is part of the cache key, so a change is visible at once.
 */
const VERSION_KEY = "nodes:list:version";

export async function invalidateNodeLists(deps: Pick<Deps, "redis">): Promise<void> {
  await deps.redis.cmd.incr(VERSION_KEY);
}

export async function cachedNodeList<T>(
  deps: Pick<Deps, "redis" | "env">,
  input: unknown,
  compute: () => Promise<T>,
): Promise<T> {
  const version = (await deps.redis.cmd.get(VERSION_KEY)) ?? "0";
  const key = `nodes:list:${version}:${createHash("sha1").update(JSON.stringify(input)).digest("hex")}`;
  const hit = await deps.redis.cmd.get(key);
  if (hit) return JSON.parse(hit) as T;
  const value = await compute();
  await deps.redis.cmd.set(key, JSON.stringify(value), "EX", deps.env.NODE_LIST_CACHE_SECONDS);
  return value;
}
