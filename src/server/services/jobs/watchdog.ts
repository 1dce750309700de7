import type { Deps } from "../../deps";
import { liveNodes } from "../nodes/presence";
import { runAsLeader } from "../leader/lease";
import { announceJob, transitionJob } from "./transition";
import { SETTLEMENT_MARGIN_SECONDS, TIMEOUT_GRACE_SECONDS } from "./limits";

export { TIMEOUT_GRACE_SECONDS } from "./limits";

/**
 * One pass of the watchdog: running jobs past their limit + grace → timed_out;
 * running jobs on a silent node → failed (node_error); queued jobs whose node
 * stayed offline longer than QUEUED_JOB_OFFLINE_SECONDS → failed (node_error).
 */
export async function watchdogPass(
  deps: Deps,
): Promise<{ timedOut: number; nodeErrors: number; expiredQueued: number }> {
  const now = deps.clock.now();
  const live = await liveNodes(deps);
  const result = { timedOut: 0, nodeErrors: 0, expiredQueued: 0 };

  const running = await deps.prisma.job.findMany({
    where: { status: "running" },
    select: { id: true, nodeId: true, startedAt: true, maxDurationSeconds: true },
  });
  for (const job of running) {
    const started = job.startedAt?.getTime() ?? now.getTime();
    const overdue = now.getTime() > started + (job.maxDurationSeconds + TIMEOUT_GRACE_SECONDS) * 1000;
    const silent = !live.has(job.nodeId);
    if (!overdue && !silent) continue;
    const changed = await deps.prisma.$transaction((tx) =>
      silent
        ? transitionJob(
            tx,
            job.id,
            "failed",
            {
              failureReason: "node_error",
              error: "The node stopped sending heartbeats while the job ran.",
              completedAt: now,
            },
            { from: ["running"] },
          )
        : transitionJob(
            tx,
            job.id,
            "timed_out",
            {
              failureReason: "timed_out",
              error: `The agent did not report within ${TIMEOUT_GRACE_SECONDS} s after the ${job.maxDurationSeconds} s limit.`,
              completedAt: now,
            },
            { from: ["running"] },
          ),
    );
    if (changed) {
      await announceJob(deps, changed);
      if (silent) result.nodeErrors++;
      else result.timedOut++;
    }
  }

  // Queued escrowed jobs whose hold can no longer cover a full run plus settlement (voided: the buyer pays nothing).
  const lapsing = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT j.id FROM jobs j JOIN payments p ON p.job_id = j.id
    WHERE j.status = 'queued' AND p.status = 'held'
      AND p.capture_deadline < ${now}::timestamptz + make_interval(secs => j.max_duration_seconds + ${SETTLEMENT_MARGIN_SECONDS})`;
  for (const { id } of lapsing) {
    const changed = await deps.prisma.$transaction((tx) =>
      transitionJob(
        tx,
        id,
        "cancelled",
        {
          failureReason: "cancelled",
          error:
            "The job waited too long to start: its escrow would expire before it could finish. The hold goes back to you; you pay nothing.",
          completedAt: now,
        },
        { from: ["queued"] },
      ),
    );
    if (changed) {
      await announceJob(deps, changed);
      result.expiredQueued++;
    }
  }

  const cutoff = new Date(now.getTime() - deps.env.QUEUED_JOB_OFFLINE_SECONDS * 1000);
  const stale = await deps.prisma.job.findMany({
    where: { status: "queued", createdAt: { lt: cutoff } },
    select: { id: true, nodeId: true },
  });
  for (const job of stale) {
    if (live.has(job.nodeId)) continue;
    const changed = await deps.prisma.$transaction((tx) =>
      transitionJob(
        tx,
        job.id,
        "failed",
        {
          failureReason: "node_error",
          error: `The node was offline for more than ${deps.env.QUEUED_JOB_OFFLINE_SECONDS} s; the job never started.`,
          completedAt: now,
        },
        { from: ["queued"] },
      ),
    );
    if (changed) {
      await announceJob(deps, changed);
      result.expiredQueued++;
    }
  }
  return result;
}

/** Starts the watchdog; with several app instances only the lease holder runs it. */
export function startWatchdog(deps: Deps): () => void {
  return runAsLeader(deps, "watchdog", deps.env.WATCHDOG_INTERVAL_MS, async () => {
    const r = await watchdogPass(deps);
    if (r.timedOut || r.nodeErrors || r.expiredQueued) deps.log.info(r, "watchdog acted");
  });
}
