import { randomUUID } from "node:crypto";
import type { Deps } from "../../deps";

/**
 * Leader election through a Redis lease: the instance holding `lease:{name}`
 * runs the loop; others stand by and take over when it stops renewing.
 */
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export async function holdLease(
  deps: Pick<Deps, "redis">,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const key = `lease:${name}`;
  const renewed = (await deps.redis.cmd.eval(RENEW, 1, key, owner, String(ttlMs))) as number;
  if (renewed === 1) return true;
  return (await deps.redis.cmd.set(key, owner, "PX", ttlMs, "NX")) === "OK";
}

/**
 * Runs `tick` every intervalMs on whichever instance holds the lease.
 * Returns a stop function. Errors are logged, never fatal.
 */
export function runAsLeader(
  deps: Pick<Deps, "redis" | "log">,
  name: string,
  intervalMs: number,
  tick: () => Promise<void>,
): () => void {
  const owner = randomUUID();
  let stopped = false;
  let running = false;
  const timer = setInterval(async () => {
    if (stopped || running) return;
    running = true;
    try {
      if (await holdLease(deps, name, owner, intervalMs * 3)) await tick();
    } catch (err) {
      deps.log.error({ err, loop: name }, "background loop failed");
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
