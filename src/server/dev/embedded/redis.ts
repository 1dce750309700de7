/**
 * The embedded default's Redis: an in-process stand-in (ioredis-mock, a dev dependency,
 * imported when it is opened) with ioredis's interface, and the few key families that must
 * survive a restart kept in a file under DATA_DIR.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type Redis from "ioredis";
import type { Logger } from "../../logger";

let embeddedCounter = 0;

export async function openRedisStandIn(o: {
  prefix: string;
  /** Where persisted keys live; none kept for "memory://" or without one. */
  dataDir: string | undefined;
  persistPrefixes: string[];
  log: Pick<Logger, "warn" | "info">;
}): Promise<{ cmd: Redis; persisted?: { flush(): Promise<void> } }> {
  const { default: RedisMock } = await import("ioredis-mock");
  // Each embedded instance gets its own data (ioredis-mock shares data per host:port).
  const cmd = new RedisMock({ keyPrefix: o.prefix, port: 10_000 + embeddedCounter++ }) as unknown as Redis;
  const persisted =
    o.dataDir && !o.dataDir.includes("://") && o.persistPrefixes.length
      ? persistKeys(cmd, o.prefix, o.persistPrefixes, path.join(o.dataDir, "redis-keys.json"), o.log)
      : undefined;
  return { cmd, persisted };
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
