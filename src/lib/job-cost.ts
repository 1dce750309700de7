/**
 * What a job costs its buyer, as the pages show it: one rule for the job
 * page, the lists and the seller and admin views. Pure: no React, no server.
 *
 * - free: no payment (a free node)
 * - charged: captured from the escrow hold (seconds used) or paid in full (exact)
 * - held: the ceiling is held in escrow; the buyer pays per second used, the rest comes back
 * - none: not charged: voided (cancelled, node error, never started), reclaimed,
 *   or cancelled and its void not sent yet (a cancelled job is never billed)
 */
export type JobCostKind = "free" | "charged" | "held" | "none";

export interface JobCostInput {
  status: string;
  costUsd: string | null;
  payment: { scheme: string; status: string; amountUsdc: string; capturedUsdc: string | null } | null;
}

export function jobCost(job: JobCostInput): { kind: JobCostKind; usd: string } {
  const p = job.payment;
  if (!p)
    return job.costUsd && !/^0*(\.0*)?$/.test(job.costUsd)
      ? { kind: "charged", usd: job.costUsd }
      : { kind: "free", usd: "0" };
  if (p.status === "voided" || p.status === "reclaimed") return { kind: "none", usd: "0" };
  if (p.status === "captured") return { kind: "charged", usd: p.capturedUsdc ?? "0" };
  if (job.status === "cancelled") return { kind: "none", usd: "0" };
  if (p.scheme === "exact") return { kind: "charged", usd: p.amountUsdc };
  return { kind: "held", usd: p.amountUsdc };
}
