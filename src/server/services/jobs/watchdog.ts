import type { Deps } from "../../deps";
import { liveNodes, restorePresenceFromDatabase } from "../nodes/presence";
import { runAsLeader } from "../leader/lease";
import { finishJob } from "./transition";
import { SETTLEMENT_MARGIN_SECONDS, TIMEOUT_GRACE_SECONDS } from "./limits";

export { TIMEOUT_GRACE_SECONDS } from "./limits";

export interface WatchdogPassResult {
  timedOut: number;
  nodeErrors: number;
  expiredQueued: number;
}

/**
 * One pass of the watchdog: running jobs past their limit + grace → timed_out;
 * running jobs on a silent node → failed (node_error); queued jobs whose node
 * stayed offline longer than QUEUED_JOB_OFFLINE_SECONDS → failed (node_error).
 *
 * `sightSinceMs`: since when heartbeats could reach us without a gap (see
 * regainSight). Until one heartbeat TTL has passed since then, no agent is
 * judged: a missing beat may be one that had nowhere to land.
 */
export async function watchdogPass(deps: Deps, opts: { sightSinceMs?: number } = {}): Promise<WatchdogPassResult> {
  const now = deps.clock.now();
  const result = { timedOut: 0, nodeErrors: 0, expiredQueued: 0 };
  const judging = now.getTime() - (opts.sightSinceMs ?? 0) >= deps.env.HEARTBEAT_TTL_SECONDS * 1000;
  if (judging) await judgeAgents(deps, now, result);
  await cancelLapsingJobs(deps, now, result);
  return result;
}

async function judgeAgents(deps: Deps, now: Date, result: WatchdogPassResult): Promise<void> {
  const live = await liveNodes(deps);
  const running = await deps.prisma.job.findMany({
    where: { status: "running" },
    select: { id: true, nodeId: true, startedAt: true, maxDurationSeconds: true },
  });
  for (const job of running) {
    const started = job.startedAt?.getTime() ?? now.getTime();
    const overdue = now.getTime() > started + (job.maxDurationSeconds + TIMEOUT_GRACE_SECONDS) * 1000;
    const silent = !live.has(job.nodeId);
    if (!overdue && !silent) continue;
    const changed = silent
      ? await finishJob(
          deps,
          job.id,
          "failed",
          {
            failureReason: "node_error",
            failureCause: "agent_silent",
            error: "The node stopped sending heartbeats while the job ran.",
            completedAt: now,
          },
          { from: ["running"] },
        )
      : await finishJob(
          deps,
          job.id,
          "timed_out",
          {
            failureReason: "timed_out",
            error: `The agent did not report within ${TIMEOUT_GRACE_SECONDS} s after the ${job.maxDurationSeconds} s limit.`,
            completedAt: now,
          },
          { from: ["running"] },
        );
    if (changed) {
      if (silent) result.nodeErrors++;
      else result.timedOut++;
    }
  }

  const cutoff = new Date(now.getTime() - deps.env.QUEUED_JOB_OFFLINE_SECONDS * 1000);
  const stale = await deps.prisma.job.findMany({
    where: { status: "queued", createdAt: { lt: cutoff } },
    select: { id: true, nodeId: true },
  });
  for (const job of stale) {
    if (live.has(job.nodeId)) continue;
    const changed = await finishJob(
      deps,
      job.id,
      "failed",
      {
        failureReason: "node_error",
        error: `The node was offline for more than ${deps.env.QUEUED_JOB_OFFLINE_SECONDS} s; the job never started.`,
        completedAt: now,
      },
      { from: ["queued"] },
    );
    if (changed) {
      result.expiredQueued++;
    }
  }
}

/** Queued escrowed jobs whose hold can no longer cover a full run plus settlement (voided: the buyer pays nothing). */
async function cancelLapsingJobs(deps: Deps, now: Date, result: WatchdogPassResult): Promise<void> {
  const lapsing = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT j.id FROM jobs j JOIN payments p ON p.job_id = j.id
    WHERE j.status = 'queued' AND p.status = 'held'
      AND p.capture_deadline < ${now}::timestamptz + make_interval(secs => j.max_duration_seconds + ${SETTLEMENT_MARGIN_SECONDS})`;
  for (const { id } of lapsing) {
    const changed = await finishJob(
      deps,
      id,
      "cancelled",
      {
        failureReason: "cancelled",
        error:
          "The job waited too long to start: its escrow would expire before it could finish. The hold goes back to you; you pay nothing.",
        completedAt: now,
      },
      { from: ["queued"] },
    );
    if (changed) {
      result.expiredQueued++;
    }
  }
}

/** When the last complete pass ran (ms), and since when heartbeats could reach us without a gap. */
const LAST_PASS_KEY = "watchdog:lastPass";
const SIGHT_SINCE_KEY = "watchdog:sightSince";

export type SightLoss = "redis_empty" | "outage";

/**
 * The watchdog's memory of its own blindness. No record of its last pass means
 * Redis came back empty (restart, failover) or this is a first start: every
 * heartbeat is gone, so liveness is restored from PostgreSQL and sight starts
 * now. A last pass longer ago than a few intervals means the marketplace (or
 * its database) was down: beats had nowhere to land, so sight starts now too.
 */
export async function regainSight(deps: Deps): Promise<{ sinceMs: number; regained: SightLoss | null }> {
  const now = deps.clock.now().getTime();
  const [lastPass, since] = await deps.redis.cmd.mget(LAST_PASS_KEY, SIGHT_SINCE_KEY);
  const lastPassMs = lastPass == null ? null : Number(lastPass);
  const regained: SightLoss | null =
    lastPassMs === null ? "redis_empty" : now - lastPassMs > 3 * deps.env.WATCHDOG_INTERVAL_MS ? "outage" : null;
  if (!regained) return { sinceMs: since == null ? now : Number(since), regained };
  await deps.redis.cmd.set(SIGHT_SINCE_KEY, String(now));
  const restoredNodes = regained === "redis_empty" ? await restorePresenceFromDatabase(deps) : 0;
  deps.log.warn(
    {
      regained,
      blindForMs: lastPassMs === null ? null : now - lastPassMs,
      restoredNodes,
      graceSeconds: deps.env.HEARTBEAT_TTL_SECONDS,
    },
    "watchdog regained sight of heartbeats; judging no agent for one heartbeat TTL",
  );
  return { sinceMs: now, regained };
}

/** One watchdog period: regain sight if it was lost, judge, and remember that this pass ran. */
export async function watchdogTick(deps: Deps): Promise<WatchdogPassResult> {
  const sight = await regainSight(deps);
  const result = await watchdogPass(deps, { sightSinceMs: sight.sinceMs });
  // Only a complete pass counts: one cut off by a database outage leaves a gap to notice.
  await deps.redis.cmd.set(LAST_PASS_KEY, String(deps.clock.now().getTime()));
  return result;
}

/** Starts the watchdog; with several app instances only the lease holder runs it. */
export function startWatchdog(deps: Deps): () => void {
  return runAsLeader(deps, "watchdog", deps.env.WATCHDOG_INTERVAL_MS, async () => {
    const r = await watchdogTick(deps);
    if (r.timedOut || r.nodeErrors || r.expiredQueued) deps.log.info(r, "watchdog acted");
  });
}
