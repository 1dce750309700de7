import type { Deps } from "../../deps";
import type { Job, Prisma } from "@/generated/prisma/client";
import { publishCommitted } from "../events/bus";
import { forgetNodeStatus } from "../nodes/node-status";
import { reliabilityChange } from "../nodes/reliability";
import {
  PRESUMED_LOSS_CAUSES,
  sourcesOf,
  TERMINAL_STATUSES,
  type FailureReason,
  type JobStatus,
  type PresumedLossCause,
} from "./job-states";

type Tx = Prisma.TransactionClient;

/**
 * The one place a job's status changes: a guarded UPDATE that only matches
 * rows in a status from which `to` is allowed (job-states.ts), so a race or an
 * illegal transition changes nothing and returns null. Node counters and the
 * node's busy flag move in the same transaction.
 *
 * `presumedLoss`: the one way out of a finished state, taken by the node's own
 * late report of a job the server failed without hearing from it
 * (job-states.ts isPresumedLoss). Its job and hour counters were moved when it
 * failed; its reliability counts are corrected (reliabilityChange).
 */
export async function transitionJob(
  tx: Tx,
  jobId: string,
  to: JobStatus,
  data: Omit<Prisma.JobUpdateManyMutationInput, "status" | "failureReason" | "failureCause"> & {
    failureReason?: FailureReason | null;
    failureCause?: PresumedLossCause | null;
  } = {},
  guard: { nodeId?: string; from?: JobStatus[]; presumedLoss?: boolean } = {},
): Promise<Job | null> {
  const from = guard.presumedLoss ? ["failed"] : (guard.from ?? sourcesOf(to));
  const { count } = await tx.job.updateMany({
    where: {
      id: jobId,
      status: { in: from },
      ...(guard.nodeId ? { nodeId: guard.nodeId } : {}),
      ...(guard.presumedLoss ? { failureReason: "node_error", failureCause: { in: [...PRESUMED_LOSS_CAUSES] } } : {}),
    },
    data: { ...data, status: to },
  });
  if (count === 0) return null;
  const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } });
  // The node's counters, in one UPDATE: reliability's counts on every finish (and a corrected
  // presumed loss), jobs and hours when a job that ran ends (a presumed loss's moved when it failed).
  const counters: Prisma.NodeUpdateInput = {};
  const reliability = reliabilityChange(to, job.failureReason, guard.presumedLoss);
  if (reliability.finished) counters.jobsFinished = { increment: reliability.finished };
  if (reliability.lost) counters.jobsLost = { increment: reliability.lost };
  const ranAndEnded = !guard.presumedLoss && TERMINAL_STATUSES.includes(to) && job.startedAt !== null;
  if (ranAndEnded) {
    const end = job.completedAt ?? new Date();
    const hours = Math.max(0, end.getTime() - job.startedAt!.getTime()) / 3_600_000;
    counters.totalJobs = { increment: 1 };
    counters.totalComputeHours = { increment: hours.toFixed(6) };
  }
  if (Object.keys(counters).length > 0) await tx.node.update({ where: { id: job.nodeId }, data: counters });
  if (guard.presumedLoss) return job;
  if (to === "running") {
    await tx.node.updateMany({ where: { id: job.nodeId, status: "available" }, data: { status: "busy" } });
  } else if (ranAndEnded) {
    const stillRunning = await tx.job.count({ where: { nodeId: job.nodeId, status: "running" } });
    if (stillRunning === 0) {
      await tx.node.updateMany({ where: { id: job.nodeId, status: "busy" }, data: { status: "available" } });
    }
  }
  return job;
}

/**
 * Finishes (or otherwise moves) one job: its own transaction → transitionJob →
 * announceJob once committed. Null, with nothing announced, when the guarded
 * UPDATE matched nothing (a race, or the job is no longer in a `from` state);
 * callers decide what that means for them.
 */
export async function finishJob(
  deps: Pick<Deps, "prisma" | "redis" | "metrics" | "log" | "local">,
  jobId: string,
  to: JobStatus,
  data: Parameters<typeof transitionJob>[3],
  guard: Parameters<typeof transitionJob>[4],
): Promise<Job | null> {
  const job = await deps.prisma.$transaction((tx) => transitionJob(tx, jobId, to, data, guard));
  if (job) await announceJob(deps, job);
  return job;
}

export interface JobEvent {
  type: "status";
  jobId: string;
  status: JobStatus;
  failureReason: string | null;
  at: string;
}

/** Publishes a status change on `job:{id}` (live UI, every instance) after the transaction commits; best-effort. */
export async function announceJob(
  deps: Pick<Deps, "redis" | "metrics" | "log" | "local">,
  job: Pick<Job, "id" | "nodeId" | "status" | "failureReason">,
): Promise<void> {
  deps.metrics.jobTransitions.inc({ status: job.status });
  const event: JobEvent = {
    type: "status",
    jobId: job.id,
    status: job.status as JobStatus,
    failureReason: job.failureReason,
    at: new Date().toISOString(),
  };
  const terminal = TERMINAL_STATUSES.includes(job.status as JobStatus);
  // Sent together (one pipelined write): a claim's answer waits for these.
  await Promise.all([
    publishCommitted(deps, `job:${job.id}`, event),
    // The node went busy or may be available again: heartbeats report its stored status.
    job.status === "running" || terminal ? forgetNodeStatus(deps, job.nodeId).catch(() => {}) : undefined,
    // A finished job's payment is settled (or voided) right away by the settlement worker.
    terminal ? publishCommitted(deps, settlementNudgeChannel, { jobId: job.id }) : undefined,
  ]);
}

/** Wakes the settlement worker (services/payments/settlement-worker.ts). */
export const settlementNudgeChannel = "payments:settle";

/** Wakes the node's waiting claims, on every instance (work-signal.ts listens to the prefix). */
export const NUDGE_PREFIX = "jobs:node:";
export const nudgeChannel = (nodeId: string) => `${NUDGE_PREFIX}${nodeId}`;
