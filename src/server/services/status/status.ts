import { z } from "zod";
import type { Deps } from "../../deps";
import { checkHealth } from "../../health";
import { getChain } from "../../payments/chain-service";
import { liveNodes } from "../nodes/presence";
import { TERMINAL_JOB_WHERE } from "../jobs/job-states";

/**
 * The status page's view of the marketplace, for people: the same database,
 * Redis and migration checks as `/api/health` (which stays JSON for machines),
 * plus the chain, the agents online and the settlement queue. Each part
 * answers or says it is down; one slow part never hides the others.
 */
const part = z.enum(["ok", "down"]);
export const marketStatusSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  checkedAt: z.string(),
  database: z.object({ status: part, kind: z.enum(["postgresql", "embedded"]), migrations: z.string() }),
  redis: z.object({ status: part, kind: z.enum(["redis", "embedded"]) }),
  chain: z.object({ status: part, network: z.string(), block: z.string().nullable(), embedded: z.boolean() }),
  agents: z.object({ status: part, online: z.number().nullable(), registered: z.number().nullable() }),
  settlement: z.object({
    status: part,
    /** Finished jobs whose hold the worker has yet to capture or void. */
    waiting: z.number().nullable(),
    settling: z.number().nullable(),
    /** Settlements that gave up and need an admin (admin page: retry). */
    failed: z.number().nullable(),
    /** When the longest-waiting of them finished. */
    oldestWaitingSince: z.string().nullable(),
  }),
});
export type MarketStatus = z.infer<typeof marketStatusSchema>;

const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms).unref())]);

export async function marketStatus(deps: Deps): Promise<MarketStatus> {
  const [health, chain, agents, settlement] = await Promise.all([
    checkHealth(deps),
    within(3000, chainPart(deps)).catch(() => ({
      status: "down" as const,
      network: deps.env.CHAIN,
      block: null,
      embedded: false,
    })),
    within(3000, agentsPart(deps)).catch(() => ({ status: "down" as const, online: null, registered: null })),
    within(3000, settlementPart(deps)).catch(() => ({
      status: "down" as const,
      waiting: null,
      settling: null,
      failed: null,
      oldestWaitingSince: null,
    })),
  ]);
  const ok = health.status === "ok" && chain.status === "ok";
  return {
    status: ok ? "ok" : "degraded",
    checkedAt: deps.clock.now().toISOString(),
    database: {
      status: health.db,
      kind: deps.db.kind === "pglite" ? "embedded" : "postgresql",
      migrations: health.migrations,
    },
    redis: { status: health.redis, kind: deps.redis.kind },
    chain,
    agents,
    settlement,
  };
}

async function chainPart(deps: Deps): Promise<MarketStatus["chain"]> {
  const c = await getChain(deps);
  const block = await c.publicClient.getBlockNumber({ cacheTime: 0 });
  return { status: "ok", network: c.network.label, block: block.toString(), embedded: c.embedded };
}

async function agentsPart(deps: Deps): Promise<MarketStatus["agents"]> {
  const [live, registered] = await Promise.all([liveNodes(deps), deps.prisma.node.count()]);
  return { status: "ok", online: live.size, registered };
}

async function settlementPart(deps: Deps): Promise<MarketStatus["settlement"]> {
  const waitingWhere = { status: "held", job: TERMINAL_JOB_WHERE };
  const [waiting, settling, failed, oldest] = await Promise.all([
    deps.prisma.payment.count({ where: waitingWhere }),
    deps.prisma.payment.count({ where: { status: "settling" } }),
    deps.prisma.payment.count({ where: { status: "failed" } }),
    deps.prisma.payment.findFirst({
      where: waitingWhere,
      orderBy: { job: { completedAt: "asc" } },
      select: { job: { select: { completedAt: true } } },
    }),
  ]);
  return {
    status: "ok",
    waiting,
    settling,
    failed,
    oldestWaitingSince: oldest?.job.completedAt?.toISOString() ?? null,
  };
}
