import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { parseEnv } from "../server/env";
import { createDeps, type Clock, type Deps } from "../server/deps";
import { createLogger } from "../server/logger";
import { withDatabase } from "./global-setup";
import { forgetLiveNodes } from "../server/services/nodes/presence";

/** A clock tests can move forward. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

export interface TestDeps extends Deps {
  clock: TestClock;
  /** Deletes this file's Redis keys (never anyone else's: real Redis is shared). */
  resetRedis(): Promise<void>;
  /** Removes this file's database and Redis keys. */
  cleanup(): Promise<void>;
}

/**
 * Deps on a database of this test file's own: a clone of the run's migrated
 * template on the real PostgreSQL, or in-memory PGlite when DATABASE_URL is
 * unset; Redis keys under a prefix of their own (real Redis or the stand-in).
 */
export async function createTestDeps(
  env: Record<string, string> = {},
  /** Reach the test's database through this address (a fault drill's proxy) instead of DATABASE_URL's. */
  opts: { databaseVia?: { host: string; port: number } } = {},
): Promise<TestDeps> {
  const suffix = randomBytes(4).toString("hex");
  const baseUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  if (baseUrl) {
    const name = `cs_test_${inject("runId")}_${suffix}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDb")}`);
    await admin.end();
    databaseUrl = withDatabase(baseUrl, name);
  }
  let appDatabaseUrl = databaseUrl;
  if (databaseUrl && opts.databaseVia) {
    const via = new URL(databaseUrl);
    via.hostname = opts.databaseVia.host;
    via.port = String(opts.databaseVia.port);
    appDatabaseUrl = via.toString();
  }
  const prefix = `cs:test:${inject("runId")}:${suffix}:`;
  const parsed = parseEnv({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATA_DIR: "memory://",
    RATE_LIMIT_ENABLED: "false",
    ...(appDatabaseUrl ? { DATABASE_URL: appDatabaseUrl } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_KEY_PREFIX: prefix,
    ...env,
  });
  const clock = new TestClock();
  const deps = await createDeps(parsed, { clock, log: createLogger("silent") });
  async function resetRedis() {
    // ioredis applies keyPrefix to DEL but not to SCAN's pattern or results.
    let cursor = "0";
    do {
      const [next, keys] = await deps.redis.cmd.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await deps.redis.cmd.del(...keys.map((k) => k.slice(prefix.length)));
    } while (cursor !== "0");
    forgetLiveNodes(deps); // the in-process memo of what Redis said
    deps.local.nodeLists = undefined; // pages cached under list versions Redis no longer has
    deps.local.nodeCatalog = undefined; // likewise the node rows, cached under a rows version
  }
  return {
    ...deps,
    clock,
    resetRedis,
    async cleanup() {
      await resetRedis();
      await deps.redis.close();
      await deps.db.close();
      if (databaseUrl && baseUrl) {
        const admin = new pg.Client({ connectionString: baseUrl });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}
