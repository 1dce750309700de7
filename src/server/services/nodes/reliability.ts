import { NODE_FINISHED_STATUSES, NODE_LOST_REASON, type JobStatus } from "../jobs/job-states";

/**
 * A node's reliability: of the jobs it finished, the share it delivered
 * (completed, or the buyer's own script failed or ran out of time) rather than
 * lost (node_error: agent died, sandbox failed). Null before its first job.
 * Its counts live on the node row (jobs_finished, jobs_lost), moved by
 * reliabilityChange with each job's status.
 */
export function reliabilityFrom(finished: bigint | number, lost: bigint | number): number | null {
  const f = Number(finished);
  return f > 0 ? Math.round(((f - Number(lost)) / f) * 1000) / 1000 : null;
}

/**
 * How a job's move to `to` (with the failure reason it now has) changes its
 * node's counts: a finished status counts once, a node_error also as lost. A
 * presumed loss corrected by the node's late report (failed/node_error → its
 * real outcome) was counted finished and lost when it failed: that comes off.
 */
export function reliabilityChange(
  to: JobStatus,
  failureReason: string | null,
  presumedLoss = false,
): { finished: number; lost: number } {
  const finished = NODE_FINISHED_STATUSES.includes(to) ? 1 : 0;
  const lost = finished && failureReason === NODE_LOST_REASON ? 1 : 0;
  return presumedLoss ? { finished: finished - 1, lost: lost - 1 } : { finished, lost };
}
