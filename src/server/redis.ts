import Redis from "ioredis";
import RedisMock from "ioredis-mock";
import type { Env } from "./env";

/**
 * Redis: a real server through ioredis when REDIS_URL is set, otherwise an
 * in-process stand-in (ioredis-mock) with the same interface. Redis holds only
 * what may be lost: heartbeats, caches, rate-limit windows, sessions, pub/sub.
 * Keys carry REDIS_KEY_PREFIX (ioredis applies it); channels use `channel()`.
 */
export interface RedisClients {
  kind: "redis" | "embedded";
  /** Commands. */
  cmd: Redis;
  /** A connection in subscriber mode, created on first use. */
  subscriber(): Redis;
  /** A fresh connection (e.g. for rate-limiter-flexible, which wants its own). */
  prefix: string;
  channel(name: string): string;
  close(): Promise<void>;
}

type RedisEnv = Pick<Env, "REDIS_URL" | "REDIS_KEY_PREFIX">;

let embeddedCounter = 0;

export function openRedis(env: RedisEnv): RedisClients {
  const prefix = env.REDIS_KEY_PREFIX;
  const cmd: Redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 2, enableAutoPipelining: true })
    : // Each embedded instance gets its own data (ioredis-mock shares data per host:port).
      (new RedisMock({ keyPrefix: prefix, port: 10_000 + embeddedCounter++ }) as unknown as Redis);
  let sub: Redis | undefined;
  return {
    kind: env.REDIS_URL ? "redis" : "embedded",
    cmd,
    prefix,
    channel: (name) => `${prefix}${name}`,
    subscriber() {
      sub ??= cmd.duplicate();
      sub.setMaxListeners(0);
      return sub;
    },
    async close() {
      await Promise.allSettled([cmd.quit(), sub?.quit()]);
    },
  };
}
