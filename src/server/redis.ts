import Redis from "ioredis";
import type { Env } from "./env";
import { openEmbeddedRedis } from "./dev/load";
import type { Logger } from "./logger";

/**
 * Redis: a real server through ioredis when REDIS_URL is set, otherwise an
 * in-process stand-in (ioredis-mock, from server/dev) with the same interface. Redis holds only
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

type RedisEnv = Pick<Env, "REDIS_URL" | "REDIS_KEY_PREFIX"> & Partial<Pick<Env, "DATA_DIR">>;

export interface OpenRedisOptions {
  /**
   * Keys (without REDIS_KEY_PREFIX) starting with one of these survive a restart of the
   * embedded stand-in: it keeps them, with their expiry, in `DATA_DIR/redis-keys.json`.
   * A real Redis persists by its own configuration, so this applies to the stand-in only.
   */
  persistPrefixes?: string[];
}

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

export async function openRedis(
  env: RedisEnv,
  log?: Pick<Logger, "warn" | "info">,
  options: OpenRedisOptions = {},
): Promise<RedisClients> {
  const prefix = env.REDIS_KEY_PREFIX;
  const logger = log ?? consoleLogger;
  let cmd: Redis;
  let persisted: { flush(): Promise<void> } | undefined;
  if (env.REDIS_URL) {
    cmd = new Redis(env.REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  } else {
    ({ cmd, persisted } = await openEmbeddedRedis({
      prefix,
      dataDir: env.DATA_DIR,
      persistPrefixes: options.persistPrefixes ?? [],
      log: logger,
    }));
  }
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
      await persisted?.flush();
      await Promise.allSettled([cmd.quit(), sub?.quit()]);
    },
  };
}

/** Without a logger (scripts): JSON lines on stderr, like the app's. */
const consoleLogger: Pick<Logger, "warn" | "info"> = {
  warn: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 40, msg, ...obj })),
  info: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 30, msg, ...obj })),
} as Pick<Logger, "warn" | "info">;
