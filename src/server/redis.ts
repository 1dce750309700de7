import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
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

type RedisEnv = Pick<Env, "REDIS_URL" | "REDIS_KEY_PREFIX"> & Partial<Pick<Env, "DATA_DIR">>;

export interface OpenRedisOptions {
  /**
   * Keys (without REDIS_KEY_PREFIX) starting with one of these survive a restart of the
   * embedded stand-in: it keeps them, with their expiry, in `DATA_DIR/redis-keys.json`.
   * A real Redis persists by its own configuration, so this applies to the stand-in only.
   */
  persistPrefixes?: string[];
}

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

export function openRedis(
  env: RedisEnv,
  log?: Pick<Logger, "warn" | "info">,
  options: OpenRedisOptions = {},
): RedisClients {
  const prefix = env.REDIS_KEY_PREFIX;
  const cmd: Redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 2, enableAutoPipelining: true })
    : // Each embedded instance gets its own data (ioredis-mock shares data per host:port).
      (new RedisMock({ keyPrefix: prefix, port: 10_000 + embeddedCounter++ }) as unknown as Redis);
  const logger = log ?? consoleLogger;
  watchConnection(cmd, "commands", logger);
  const persisted =
    !env.REDIS_URL && env.DATA_DIR && !env.DATA_DIR.includes("://") && options.persistPrefixes?.length
      ? persistKeys(cmd, prefix, options.persistPrefixes, path.join(env.DATA_DIR, "redis-keys.json"), logger)
      : undefined;
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

interface PersistedKey {
  key: string;
  value: string;
  /** Epoch ms; absent: no expiry. */
  expiresAt?: number;
}

/**
 * Write-through persistence of a few key families of the in-process stand-in (sessions:
 * a restart of `npm run demo` must not sign everyone out). Loaded once at open; after each
 * SET/DEL of such a key the whole family is written to a temporary file and renamed over
 * the old one, so a crash leaves either the old or the new file, never half of one. The
 * families are small (one key per signed-in browser), so rewriting them whole is cheap.
 */
function persistKeys(
  cmd: Redis,
  prefix: string,
  families: string[],
  file: string,
  log: Pick<Logger, "warn" | "info">,
): { flush(): Promise<void> } {
  const ours = (key: string) => families.some((f) => key.startsWith(f));
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as PersistedKey[];
    const now = Date.now();
    // Queued before any other command on this client, so nothing reads the stand-in before they land.
    for (const { key, value, expiresAt } of saved) {
      if (!ours(key) || (expiresAt !== undefined && expiresAt <= now)) continue;
      if (expiresAt === undefined) void cmd.set(key, value);
      else void cmd.set(key, value, "PX", expiresAt - now);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn({ file, err: (err as Error).message }, "embedded Redis: saved keys unreadable; starting without them");
  }

  let chain: Promise<void> = Promise.resolve();
  let pending = false;
  const save = async () => {
    pending = false;
    const out: PersistedKey[] = [];
    for (const family of families) {
      let cursor = "0";
      do {
        // ioredis applies keyPrefix to GET/PTTL but not to SCAN's pattern or results.
        const [next, keys] = await cmd.scan(cursor, "MATCH", `${prefix}${family}*`, "COUNT", 1000);
        cursor = next;
        for (const full of keys) {
          const key = full.slice(prefix.length);
          const [value, pttl] = await Promise.all([cmd.get(key), cmd.pttl(key)]);
          if (value === null || pttl === -2) continue;
          out.push({ key, value, ...(pttl >= 0 ? { expiresAt: Date.now() + pttl } : {}) });
        }
      } while (cursor !== "0");
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(out), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  const schedule = () => {
    if (pending) return; // a save is already queued and will see this change
    pending = true;
    chain = chain
      .then(save)
      .catch((err: Error) => log.warn({ file, err: err.message }, "embedded Redis: could not save keys"));
  };
  // Sessions are written with SET and removed with DEL (services/auth/siwe.ts).
  for (const name of ["set", "del"] as const) {
    const original = (cmd[name] as (...a: unknown[]) => Promise<unknown>).bind(cmd);
    (cmd as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      const keys = (name === "set" ? [args[0]] : args.flat()).filter((k): k is string => typeof k === "string");
      if (keys.some(ours)) schedule();
      return result;
    };
  }
  return { flush: () => chain };
}

/** Without a logger (scripts): JSON lines on stderr, like the app's. */
const consoleLogger: Pick<Logger, "warn" | "info"> = {
  warn: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 40, msg, ...obj })),
  info: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 30, msg, ...obj })),
} as Pick<Logger, "warn" | "info">;
