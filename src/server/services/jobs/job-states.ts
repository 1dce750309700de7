import type { Job, Prisma } from "@/generated/prisma/client";

/**
 * The job state machine: queued → running → completed | failed | timed_out, or
 * queued → cancelled | failed (node_error). Every status change goes through
 * transitionJob (transition.ts), which refuses anything not listed here; a
 * claim's take (claim-job.ts) is its queued → running written as one statement.
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

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** A finished job, as a Prisma `where`: settlement and the status page wait for these. */
export const TERMINAL_JOB_WHERE = { status: { in: [...TERMINAL_STATUSES] } } satisfies Prisma.JobWhereInput;

/**
 * Billable vs voidable, the one rule. Only work the agent delivered is paid for:
 * completed, failed by the script (job_error), and timed out *as reported by the
 * agent* (its report sets durationMs). Every other finished job is voidable: node
 * errors, cancellations, and jobs the agent never reported (the watchdog timed
 * them out).
 */
export function isBillable(job: Pick<Job, "status" | "failureReason" | "durationMs">): boolean {
  if (job.status === "completed") return true;
  if (job.status === "failed") return job.failureReason === "job_error";
  if (job.status === "timed_out") return agentReported(job);
  return false;
}

/** The agent reported the job's end itself (complete): its output was delivered. */
export function agentReported(job: Pick<Job, "durationMs">): boolean {
  return job.durationMs !== null;
}

/**
 * For a node's reliability: the finished jobs it ran to an end (the terminal
 * statuses but cancelled, which the buyer chose), and the reason that marks one
 * lost by the node rather than delivered.
 */
export const NODE_FINISHED_STATUSES: readonly JobStatus[] = TERMINAL_STATUSES.filter((s) => s !== "cancelled");
export const NODE_LOST_REASON: FailureReason = "node_error";

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
