/**
 * The job state machine: queued → running → completed | failed | timed_out, or
 * queued → cancelled | failed (node_error). Every status change goes through
 * transitionJob (transition.ts), which refuses anything not listed here.
 */
export const JOB_STATUSES = ["queued", "running", "completed", "failed", "timed_out", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FAILURE_REASONS = ["job_error", "timed_out", "node_error", "cancelled"] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * A node_error the server presumed without word from the agent: its heartbeats
 * stopped (agent_silent) or it asked for new work while the job still ran
 * (agent_restarted). The node may have finished the job all the same (an outage
 * cut it off, or its restart beat its resent result), so that node's own late
 * report still completes the job: absence of evidence is not evidence of absence.
 */
export const PRESUMED_LOSS_CAUSES = ["agent_silent", "agent_restarted"] as const;
export type PresumedLossCause = (typeof PRESUMED_LOSS_CAUSES)[number];

export function isPresumedLoss(job: { status: string; failureReason: string | null; failureCause: string | null }) {
  return (
    job.status === "failed" &&
    job.failureReason === "node_error" &&
    (PRESUMED_LOSS_CAUSES as readonly string[]).includes(job.failureCause ?? "")
  );
}

export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "timed_out", "cancelled"];

const ALLOWED: Record<JobStatus, readonly JobStatus[]> = {
  queued: ["running", "cancelled", "failed"], // failed: node_error when its node stays offline
  running: ["completed", "failed", "timed_out"],
  completed: [],
  failed: [],
  timed_out: [],
  cancelled: [],
};

/** Sources from which `to` is reachable: used as the WHERE of the guarded UPDATE. */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((s) => ALLOWED[s].includes(to));
}
