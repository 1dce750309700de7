import Decimal from "decimal.js";
import { z } from "zod";
import { text } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { liveNodes } from "../nodes/presence";
import { loadNodeViews, nodeViewSchema } from "../nodes/node-view";
import { NODE_STATUSES } from "../nodes/node-status";

export const marketStatsSchema = z.object({
  nodesOnlineByModel: z.array(z.object({ gpuModel: z.string(), online: z.number(), total: z.number() })),
  jobsByStatus: z.array(z.object({ status: z.string(), count: z.number() })),
  failureReasons: z.array(z.object({ reason: z.string(), count: z.number() })),
  settled: z.object({ volumeUsd: z.string(), payments: z.number(), failed: z.number(), pendingUsd: z.string() }),
  settledByDay: z.array(z.object({ day: z.string(), usd: z.string() })),
});

/** The admin overview: supply, demand, money and what goes wrong. */
export async function marketStats(deps: Deps): Promise<z.infer<typeof marketStatsSchema>> {
  const [live, nodes, jobs, reasons, settled, failed, pending, daily] = await Promise.all([
    liveNodes(deps),
    deps.prisma.node.findMany({
      where: { status: { in: ["available", "busy"] } },
      select: { id: true, gpuModel: true },
    }),
    deps.prisma.job.groupBy({ by: ["status"], _count: { _all: true } }),
    deps.prisma.job.groupBy({ by: ["failureReason"], where: { failureReason: { not: null } }, _count: { _all: true } }),
    deps.prisma.payment.aggregate({
      where: { status: "captured" },
      _sum: { capturedAtomic: true },
      _count: { _all: true },
    }),
    deps.prisma.payment.count({ where: { status: "failed" } }),
    deps.prisma.payment.aggregate({ where: { status: { in: ["held", "settling"] } }, _sum: { amountUsdc: true } }),
    deps.prisma.$queryRaw<{ day: Date; usd: string }[]>`
      SELECT date_trunc('day', confirmed_at) AS day, (sum(captured_atomic) / 1000000)::text AS usd FROM payments
      WHERE status = 'captured' AND confirmed_at >= now() - interval '30 days' GROUP BY 1 ORDER BY 1`,
  ]);
  const byModel = new Map<string, { online: number; total: number }>();
  for (const n of nodes) {
    const m = byModel.get(n.gpuModel) ?? { online: 0, total: 0 };
    m.total++;
    if (live.has(n.id)) m.online++;
    byModel.set(n.gpuModel, m);
  }
  return {
    nodesOnlineByModel: [...byModel.entries()]
      .map(([gpuModel, c]) => ({ gpuModel, ...c }))
      .sort((a, b) => b.online - a.online || a.gpuModel.localeCompare(b.gpuModel)),
    jobsByStatus: jobs.map((j) => ({ status: j.status, count: j._count._all })),
    failureReasons: reasons.map((r) => ({ reason: r.failureReason ?? "unknown", count: r._count._all })),
    settled: {
      volumeUsd: new Decimal(settled._sum.capturedAtomic?.toString() ?? "0").div(1_000_000).toString(),
      payments: settled._count._all,
      failed,
      pendingUsd: pending._sum.amountUsdc?.toString() ?? "0",
    },
    settledByDay: daily.map((d) => ({ day: d.day.toISOString().slice(0, 10), usd: new Decimal(d.usd).toString() })),
  };
}

export const adminNodesInputSchema = z.object({
  status: z.enum(NODE_STATUSES).optional(),
  search: text().trim().max(100).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).max(100_000).default(0),
});

/** Every node, suspended ones included, for moderation. */
export async function adminNodes(deps: Deps, input: z.infer<typeof adminNodesInputSchema>) {
  const live = await liveNodes(deps);
  const liveIds = [...live.keys()];
  const statusWhere =
    input.status === "offline"
      ? { status: { in: ["available", "busy"] }, id: { notIn: liveIds } }
      : input.status === "available" || input.status === "busy"
        ? { status: input.status, id: { in: liveIds } }
        : input.status
          ? { status: input.status }
          : {};
  const search = input.search
    ? {
        OR: [
          { name: { contains: input.search, mode: "insensitive" as const } },
          { gpuModel: { contains: input.search, mode: "insensitive" as const } },
          { sellerAddress: { contains: input.search, mode: "insensitive" as const } },
        ],
      }
    : {};
  const where = { AND: [statusWhere, search] };
  const [rows, total] = await Promise.all([
    deps.prisma.node.findMany({
      where,
      orderBy: [{ registeredAt: "desc" }, { id: "desc" }],
      take: input.limit,
      skip: input.offset,
    }),
    deps.prisma.node.count({ where }),
  ]);
  return { items: await loadNodeViews(deps, rows), total };
}
export const adminNodesOutputSchema = z.object({ items: z.array(nodeViewSchema), total: z.number() });

export async function auditLog(deps: Deps, input: { limit: number; offset: number }) {
  const rows = await deps.prisma.adminAuditLog.findMany({
    orderBy: { createdAt: "desc" },
    take: input.limit,
    skip: input.offset,
  });
  return rows.map((r) => ({
    id: r.id,
    adminAddress: r.adminAddress,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    details: (r.details ?? null) as Record<string, unknown> | null,
    createdAt: r.createdAt.toISOString(),
  }));
}
export const auditEntrySchema = z.object({
  id: z.string(),
  adminAddress: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});
