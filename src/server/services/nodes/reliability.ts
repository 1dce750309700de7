import { Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { NODE_FINISHED_STATUSES, NODE_LOST_REASON } from "../jobs/job-states";

/**
 * A node's reliability: of the jobs it finished, the share it delivered
 * (completed, or the buyer's own script failed or ran out of time) rather than
 * lost (node_error: agent died, sandbox failed). Null before its first job.
 */
export function reliabilityFrom(finished: bigint | number, lost: bigint | number): number | null {
  const f = Number(finished);
  return f > 0 ? Math.round(((f - Number(lost)) / f) * 1000) / 1000 : null;
}

/** The select list reliabilityFrom reads (`finished`, `lost`), aggregated over rows of `jobs`. */
export const RELIABILITY_COUNTS = Prisma.sql`
  count(*) FILTER (WHERE status = ANY(${[...NODE_FINISHED_STATUSES]}::text[])) AS finished,
  count(*) FILTER (WHERE failure_reason = ${NODE_LOST_REASON}) AS lost`;

export async function reliabilityOf(deps: Pick<Deps, "prisma">, nodeIds: string[]): Promise<Map<string, number>> {
  if (nodeIds.length === 0) return new Map();
  const rows = await deps.prisma.$queryRaw<{ node_id: string; finished: bigint; lost: bigint }[]>`
    SELECT node_id, ${RELIABILITY_COUNTS}
    FROM jobs WHERE node_id = ANY(${nodeIds}::uuid[]) GROUP BY node_id`;
  const out = new Map<string, number>();
  for (const r of rows) {
    const value = reliabilityFrom(r.finished, r.lost);
    if (value !== null) out.set(r.node_id, value);
  }
  return out;
}
