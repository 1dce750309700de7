import "server-only";
import type { Env } from "./env";
import { getEnv } from "./env";
import { openDatabase, type Database } from "./db/connect";
import { openRedis, type RedisClients } from "./redis";
import { loadLocalDev } from "./dev/load";
import { createLogger, type Logger } from "./logger";
import { getMetrics, type Metrics } from "./metrics";
import { SESSION_KEY_PREFIX } from "./services/auth/siwe";
import type { RateLimiterRedis } from "rate-limiter-flexible";
import type { ChainService } from "./payments/chain-service";
import type { Bus } from "./services/events/bus";
import type { Signal } from "./services/jobs/work-signal";
import type { LogBuffer } from "./services/jobs/log-buffer";
import type { TokenCache } from "./services/nodes/agent-auth";
import type { StatusCache } from "./services/nodes/node-status";
import type { CatalogState } from "./services/nodes/node-catalog";
import type { RateLimitClass } from "./services/ratelimit/rate-limit";

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
  /** Per-process caches and buffers owned by services, each created on first use. */
  local: LocalState;
}

/** What `Deps.local` holds: one typed member per owner, absent until first used. */
export interface LocalState {
  /** The chain service (payments/chain-service.ts getChain); tests may put their own here. */
  chain?: Promise<ChainService>;
  /** The embedded anvil's RPC URL once it runs (set by getChain, read by the demo wallet). */
  embeddedRpcUrl?: string;
  /** Redis pub/sub listeners (events/bus.ts). */
  bus?: Bus;
  /** Claims waiting for work (jobs/work-signal.ts). */
  workSignal?: Signal;
  /** Orphan checks in flight per node and boot (jobs/claim-job.ts). */
  orphanChecks?: Map<string, Promise<void>>;
  /** Discovery pages answered lately, by list version and input (nodes/list-cache.ts). */
  nodeLists?: Map<string, { expires: number; value: Promise<unknown> }>;
  /** Every showable node, sorted for discovery (nodes/node-catalog.ts). */
  nodeCatalog?: CatalogState;
  /** The live-node set, read at most once a second (nodes/presence.ts). */
  liveNodes?: { at: number; live: Map<string, number> };
  /** Node id → stored status (nodes/node-status.ts). */
  nodeStatuses?: StatusCache;
  /** Agent token → identity (nodes/agent-auth.ts). */
  agentTokens?: TokenCache;
  /** Heartbeats not yet written to PostgreSQL, node id → ms (nodes/heartbeat.ts). */
  heartbeatBuffer?: Map<string, number>;
  /** Each node's last beat taken by this process, in ms (nodes/heartbeat.ts: online without asking Redis). */
  lastBeatHere?: Map<string, number>;
  /** The images each node last advertised to this process (nodes/heartbeat.ts). */
  advertisedImages?: Map<string, string>;
  /** Log chunks waiting for their batched INSERT, and what is known of their jobs (jobs/log-buffer.ts). */
  jobLogBuffer?: LogBuffer;
  /** Payment ids this process is settling now (payments/settlement.ts). */
  settlingInFlight?: Set<string>;
  /** One limiter per class (ratelimit/rate-limit.ts). */
  rateLimiters?: Partial<Record<RateLimitClass, RateLimiterRedis>>;
}

export async function createDeps(env: Env, overrides: Partial<Pick<Deps, "clock" | "log">> = {}): Promise<Deps> {
  const log = overrides.log ?? createLogger(env.LOG_LEVEL);
  // Real databases are migrated by `npm run db:migrate`; the embedded one migrates itself.
  const db = await openDatabase(env);
  // Sessions outlive a restart of the embedded default (a real Redis persists on its own).
  const redis = await openRedis(env, log, { persistPrefixes: [SESSION_KEY_PREFIX] });
  // CHAIN=local's accounts and token address are needed synchronously (quotes, roles): load them now.
  if (env.CHAIN === "local") await loadLocalDev();
  return {
    env,
    db,
    prisma: db.prisma,
    redis,
    clock: overrides.clock ?? systemClock,
    log,
    metrics: getMetrics(),
    local: {},
  };
}

/** The process-wide Deps of the running app, created on first use. */
const holder = globalThis as unknown as { __csDeps?: Promise<Deps> };
// npm start's pages worker (pages-server.mjs) must never open a second embedded database or Redis stand-in.
const pagesOnly = Boolean(process.env.COMPUTESWARM_PAGES_ONLY);
export function getDeps(): Promise<Deps> {
  if (pagesOnly)
    return Promise.reject(new Error("The pages worker (pages-server.mjs) serves pages only; it has no Deps."));
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
