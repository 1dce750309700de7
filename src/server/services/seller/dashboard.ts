import Decimal from "decimal.js";
import { z } from "zod";
import type { Deps } from "../../deps";
import { loadNodeViews, nodeViewSchema } from "../nodes/node-view";

export const sellerDashboardSchema = z.object({
  nodes: z.array(nodeViewSchema.extend({ earnedUsd: z.string(), jobsRunning: z.number() })),
  totals: z.object({
    /** Captured for this seller, net of the marketplace fee. */
    earnedUsd: z.string(),
    /** The marketplace fee taken from those captures. */
    feesUsd: z.string(),
    /** Ceilings held in escrow for jobs not settled yet (at most this much more). */
    pendingUsd: z.string(),
    jobsServed: z.number(),
    nodesOnline: z.number(),
  }),
  /** Settled earnings per day (UTC), oldest first, the last `days` days. */
  earningsByDay: z.array(z.object({ day: z.string(), usd: z.string() })),
});
export type SellerDashboard = z.infer<typeof sellerDashboardSchema>;

/** Everything the seller page shows about one seller's nodes and earnings. */
export async function sellerDashboard(deps: Deps, seller: string, days = 30): Promise<SellerDashboard> {
  const mine = { equals: seller, mode: "insensitive" as const };
  const nodes = await deps.prisma.node.findMany({ where: { sellerAddress: mine }, orderBy: { registeredAt: "desc" } });
  const ids = nodes.map((n) => n.id);
  const [nodeViews, earnedByNode, running, pending, daily] = await Promise.all([
    loadNodeViews(deps, nodes),
    deps.prisma.$queryRaw<{ node_id: string; usd: string; fee: string }[]>`
      SELECT j.node_id, (sum(p.captured_atomic - coalesce(p.fee_atomic, 0)) / 1000000)::text AS usd,
             (sum(coalesce(p.fee_atomic, 0)) / 1000000)::text AS fee
      FROM payments p JOIN jobs j ON j.id = p.job_id
      WHERE p.status = 'captured' AND j.node_id = ANY(${ids}::uuid[]) GROUP BY j.node_id`,
    deps.prisma.job.groupBy({
      by: ["nodeId"],
      where: { nodeId: { in: ids }, status: "running" },
      _count: { _all: true },
    }),
    deps.prisma.$queryRaw<{ usd: string | null }[]>`
      SELECT sum(p.amount_usdc)::text AS usd FROM payments p JOIN jobs j ON j.id = p.job_id
      WHERE p.status IN ('held', 'settling') AND j.node_id = ANY(${ids}::uuid[])`,
    deps.prisma.$queryRaw<{ day: Date; usd: string }[]>`
      SELECT date_trunc('day', p.confirmed_at) AS day, (sum(p.captured_atomic - coalesce(p.fee_atomic, 0)) / 1000000)::text AS usd
      FROM payments p JOIN jobs j ON j.id = p.job_id
      WHERE p.status = 'captured' AND j.node_id = ANY(${ids}::uuid[])
        AND p.confirmed_at >= ${new Date(deps.clock.now().getTime() - days * 86_400_000)}
      GROUP BY 1 ORDER BY 1`,
  ]);
  const usd = (v: string | null | undefined) => new Decimal(v ?? 0).toString();
  const earned = new Map(earnedByNode.map((r) => [r.node_id, usd(r.usd)]));
  const runningBy = new Map(running.map((r) => [r.nodeId, r._count._all]));
  const nowMs = deps.clock.now().getTime();
  const views = nodeViews.map((n) => ({
    ...n,
    earnedUsd: earned.get(n.id) ?? "0",
    jobsRunning: runningBy.get(n.id) ?? 0,
  }));
  return {
    nodes: views,
    totals: {
      earnedUsd: views.reduce((a, v) => a.plus(v.earnedUsd), new Decimal(0)).toString(),
      feesUsd: earnedByNode.reduce((a, r) => a.plus(usd(r.fee)), new Decimal(0)).toString(),
      pendingUsd: usd(pending[0]?.usd),
      jobsServed: views.reduce((a, v) => a + v.totalJobs, 0),
      nodesOnline: views.filter((v) => v.status === "available" || v.status === "busy").length,
    },
    earningsByDay: fillDays(daily, days, nowMs),
  };
}

/** One entry per day, zero where nothing was settled, so charts have no gaps. */
function fillDays(rows: { day: Date; usd: string }[], days: number, nowMs: number) {
  const byDay = new Map(rows.map((r) => [r.day.toISOString().slice(0, 10), new Decimal(r.usd).toString()]));
  const out: { day: string; usd: string }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(nowMs - i * 86_400_000).toISOString().slice(0, 10);
    out.push({ day, usd: byDay.get(day) ?? "0" });
  }
  return out;
}
