import type { Env } from "./env";
import { getEnv } from "./env";
import { openDatabase, type Database } from "./db/connect";
import { openRedis, type RedisClients } from "./redis";
import { createLogger, type Logger } from "./logger";
import { getMetrics, type Metrics } from "./metrics";
import { SESSION_KEY_PREFIX } from "./services/auth/siwe";

/** Wall clock, injectable so tests can move time forward. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything a service needs, passed explicitly. Services are plain functions
 * `(deps, input) => result`; tests build their own Deps on a fresh database.
 */
export interface Deps {
  env: Env;
  db: Database;
  prisma: Database["prisma"];
  redis: RedisClients;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Per-process caches and buffers owned by services (see services/*). */
  local: Map<string, unknown>;
}

export async function createDeps(env: Env, overrides: Partial<Pick<Deps, "clock" | "log">> = {}): Promise<Deps> {
  const log = overrides.log ?? createLogger(env.LOG_LEVEL);
  // Real databases are migrated by `npm run db:migrate`; the embedded one migrates itself.
  const db = await openDatabase(env);
  // Sessions outlive a restart of the embedded default (a real Redis persists on its own).
  const redis = openRedis(env, log, { persistPrefixes: [SESSION_KEY_PREFIX] });
  return {
    env,
    db,
    prisma: db.prisma,
    redis,
    clock: overrides.clock ?? systemClock,
    log,
    metrics: getMetrics(),
    local: new Map(),
  };
}

/** The process-wide Deps of the running app, created on first use. */
const holder = globalThis as unknown as { __csDeps?: Promise<Deps> };
export function getDeps(): Promise<Deps> {
  holder.__csDeps ??= createDeps(getEnv()).catch((err) => {
    holder.__csDeps = undefined;
    throw err;
  });
  return holder.__csDeps;
}

/** Tests that drive the HTTP handlers point them at their own Deps. */
export function setDepsForTesting(deps: Deps | undefined): void {
  holder.__csDeps = deps ? Promise.resolve(deps) : undefined;
}

/**
 * Runs `fn` (a route handler called in-process) with `deps` as what getDeps()
 * answers, then puts back what was there unless something else replaced it meanwhile.
 */
export async function withDepsForTesting<T>(deps: Deps, fn: () => Promise<T>): Promise<T> {
  const before = holder.__csDeps;
  const mine = Promise.resolve(deps);
  holder.__csDeps = mine;
  try {
    return await fn();
  } finally {
    if (holder.__csDeps === mine) holder.__csDeps = before;
  }
}
