import Redis from "ioredis";
import RedisMock from "ioredis-mock";
import type { Env } from "./env";
import type { Logger } from "./logger";

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

/**
 * An ioredis client with no `error` listener prints "[ioredis] Unhandled error
 * event" on every reconnect attempt. Ours say it once when the connection is
 * lost and once when it is back; the commands meanwhile fail (or wait) on their own.
 */
export function watchConnection(client: Redis, name: string, log: Pick<Logger, "warn" | "info">): void {
  let lostAt: number | undefined;
  client.on("error", (err: Error) => {
    if (lostAt !== undefined) return;
    lostAt = Date.now();
    log.warn({ connection: name, err: err.message }, "Redis connection lost; reconnecting");
  });
  client.on("ready", () => {
    if (lostAt === undefined) return;
    log.info({ connection: name, downMs: Date.now() - lostAt }, "Redis connection back");
    lostAt = undefined;
  });
}

export function openRedis(env: RedisEnv, log?: Pick<Logger, "warn" | "info">): RedisClients {
  const prefix = env.REDIS_KEY_PREFIX;
  const cmd: Redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 2, enableAutoPipelining: true })
    : // Each embedded instance gets its own data (ioredis-mock shares data per host:port).
      (new RedisMock({ keyPrefix: prefix, port: 10_000 + embeddedCounter++ }) as unknown as Redis);
  const logger = log ?? consoleLogger;
  watchConnection(cmd, "commands", logger);
  let sub: Redis | undefined;
  return {
    kind: env.REDIS_URL ? "redis" : "embedded",
    cmd,
    prefix,
    channel: (name) => `${prefix}${name}`,
    subscriber() {
      if (!sub) {
        sub = cmd.duplicate();
        sub.setMaxListeners(0);
        watchConnection(sub, "subscriber", logger);
      }
      return sub;
    },
    async close() {
      await Promise.allSettled([cmd.quit(), sub?.quit()]);
    },
  };
}

/** Without a logger (scripts): JSON lines on stderr, like the app's. */
const consoleLogger: Pick<Logger, "warn" | "info"> = {
  warn: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 40, msg, ...obj })),
  info: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 30, msg, ...obj })),
} as Pick<Logger, "warn" | "info">;
