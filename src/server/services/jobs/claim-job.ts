import type { ClaimedJob, JobType } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import type { AgentIdentity } from "../nodes/agent-auth";
import type { Job } from "@/generated/prisma/client";
import { waitForMessage } from "../events/bus";
import { announceJob, nudgeChannel, transitionJob } from "./transition";
import { recordHeartbeat } from "../nodes/heartbeat";
import { SETTLEMENT_MARGIN_SECONDS } from "./limits";

/** While a claim waits, it also looks again this often, in case a nudge was missed. */
const RECHECK_MS = 5_000;

/**
 * Takes the node's oldest queued job (FOR UPDATE SKIP LOCKED, so concurrent
 * claims never take the same job) and marks it running, recording the boot id
 * of the agent process that took it. A job still "running" under another boot
 * id was lost by an earlier process of this node's agent (it restarted) and
 * fails with node_error; claims of the same process, however concurrent, never
 * touch each other's jobs.
 */
async function tryClaim(
  deps: Deps,
  agent: AgentIdentity,
  jobTypes: JobType[],
  bootId: string | undefined,
): Promise<{ job: Job | null; orphans: Job[] }> {
  return deps.prisma.$transaction(async (tx) => {
    const node = await tx.node.findUnique({ where: { id: agent.nodeId }, select: { status: true } });
    if (!node || node.status === "paused" || node.status === "suspended") return { job: null, orphans: [] };

    const orphans: Job[] = [];
    const running = bootId
      ? await tx.job.findMany({
          where: {
            nodeId: agent.nodeId,
            status: "running",
            OR: [{ agentBootId: null }, { agentBootId: { not: bootId } }],
          },
          select: { id: true },
        })
      : [];
    for (const { id } of running) {
      const failed = await transitionJob(tx, id, "failed", {
        failureReason: "node_error",
        error: "The agent restarted while this job was running.",
        failureCause: "agent_restarted",
        completedAt: deps.clock.now(),
      });
      if (failed) orphans.push(failed);
    }

    // A paid job is claimable once its payment is collected (held in escrow, or paid);
    // one whose escrow would lapse before it could run and be settled is never started
    // (the seller would work for nothing); the watchdog cancels it.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT j.id FROM jobs j
      WHERE j.node_id = ${agent.nodeId}::uuid AND j.status = 'queued' AND j.job_type = ANY(${jobTypes}::text[])
        AND NOT EXISTS (
          SELECT 1 FROM payments p
          WHERE p.job_id = j.id
            AND (p.status NOT IN ('held', 'captured')
              OR p.capture_deadline < ${deps.clock.now()}::timestamptz + make_interval(secs => j.max_duration_seconds + ${SETTLEMENT_MARGIN_SECONDS})))
      ORDER BY j.created_at, j.id
      LIMIT 1
      FOR UPDATE OF j SKIP LOCKED`;
    const id = rows[0]?.id;
    if (!id) return { job: null, orphans };
    const job = await transitionJob(
      tx,
      id,
      "running",
      { startedAt: deps.clock.now(), agentBootId: bootId ?? null },
      { nodeId: agent.nodeId },
    );
    return { job, orphans };
  });
}

/** Long-polls up to waitSeconds for a job; a Redis nudge wakes it the moment one is queued. */
export async function claimJob(
  deps: Deps,
  agent: AgentIdentity,
  input: { waitSeconds: number; jobTypes: JobType[]; bootId?: string },
  signal?: AbortSignal,
): Promise<ClaimedJob | null> {
  const deadline = Date.now() + input.waitSeconds * 1000;
  // Asking for work is proof of life, as good as a heartbeat.
  await recordHeartbeat(deps, agent, {});
  for (;;) {
    const { job, orphans } = await tryClaim(deps, agent, input.jobTypes, input.bootId);
    await Promise.all(orphans.map((o) => announceJob(deps, o)));
    if (job) {
      await announceJob(deps, job);
      return {
        id: job.id,
        jobType: job.jobType as JobType,
        script: job.script,
        maxDurationSeconds: job.maxDurationSeconds,
        ...(job.image ? { image: job.image } : {}),
      };
    }
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return null;
    await waitForMessage(deps, nudgeChannel(agent.nodeId), Math.min(left, RECHECK_MS), signal);
  }
}
