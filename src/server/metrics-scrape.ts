import type { Deps } from "./deps";
import { liveNodes } from "./services/nodes/presence";
import { NODE_STATUSES } from "./services/nodes/node-status";

/** Samples gauges that are cheaper to compute at scrape time than to keep up to date. */
export async function scrapeMetrics(deps: Deps): Promise<string> {
  const [grouped, live] = await Promise.all([
    deps.prisma.node.groupBy({ by: ["status"], _count: { _all: true } }),
    liveNodes(deps),
  ]);
  const counts = Object.fromEntries(NODE_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  const liveCount = live.size;
  for (const g of grouped) counts[g.status] = g._count._all;
  // Nodes stored available/busy but without a recent heartbeat are offline.
  const liveRows = liveCount
    ? await deps.prisma.node.groupBy({
        by: ["status"],
        where: { id: { in: [...live.keys()] } },
        _count: { _all: true },
      })
    : [];
  const liveBy = Object.fromEntries(liveRows.map((g) => [g.status, g._count._all]));
  const available = liveBy.available ?? 0;
  const busy = liveBy.busy ?? 0;
  counts.offline = (counts.available ?? 0) + (counts.busy ?? 0) - available - busy;
  counts.available = available;
  counts.busy = busy;
  for (const [status, n] of Object.entries(counts)) deps.metrics.nodesByStatus.set({ status }, n);
  return deps.metrics.registry.metrics();
}
