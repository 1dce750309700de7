import type { ClaimedJob, JobType } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import type { AgentIdentity } from "../nodes/agent-auth";
import type { Job } from "@/generated/prisma/client";
import { announceJob, finishJob } from "./transition";
import { recordHeartbeat } from "../nodes/heartbeat";
import { claimableSql, clear, hint, waitForWork } from "./work-signal";

/** The agent process (boot id) last seen claiming for a node; a different one means the agent restarted. */
const bootKey = (nodeId: string) => `claimboot:${nodeId}`;
const BOOT_KEY_SECONDS = 7 * 24 * 3600;

/**
 * A job still "running" under another boot id was lost by an earlier process
 * of this node's agent (it restarted): it fails with node_error. Claims of the
 * same process, however concurrent, never touch each other's jobs. Looked at
 * in PostgreSQL only when the boot id differs from the last one seen (Redis),
 * so steady long-polling costs no query.
 */
async function failOrphans(deps: Deps, agent: AgentIdentity, bootId: string): Promise<void> {
  const seen = await deps.redis.cmd.get(bootKey(agent.nodeId));
  if (seen === bootId) return;
  // Concurrent claims of one new boot (an agent's parallel claims) share one look.
  const inFlight = (deps.local.orphanChecks ??= new Map());
  const key = `${agent.nodeId}:${bootId}`;
  let check = inFlight.get(key);
  if (!check) {
    check = lookForOrphans(deps, agent, bootId).finally(() => inFlight.delete(key));
    inFlight.set(key, check);
  }
  await check;
}

async function lookForOrphans(deps: Deps, agent: AgentIdentity, bootId: string): Promise<void> {
  const running = await deps.prisma.job.findMany({
    where: {
      nodeId: agent.nodeId,
      status: "running",
      OR: [{ agentBootId: null }, { agentBootId: { not: bootId } }],
    },
    select: { id: true },
  });
  for (const { id } of running) {
    await finishJob(
      deps,
      id,
      "failed",
      {
        failureReason: "node_error",
        error: "The agent restarted while this job was running.",
        failureCause: "agent_restarted",
        completedAt: deps.clock.now(),
      },
      { from: ["running"] },
    );
  }
  await deps.redis.cmd.set(bootKey(agent.nodeId), bootId, "EX", BOOT_KEY_SECONDS);
}

/**
 * Takes the node's oldest claimable job (FOR UPDATE SKIP LOCKED, so concurrent
 * claims never take the same job), marks it running with the boot id of the
 * agent process that took it, and marks an available node busy: the guarded
 * queued → running of transitionJob, in one statement rather than an
 * interactive transaction (one round trip, the connection held for its
 * duration only). A paused or suspended node takes nothing.
 */
async function tryClaim(
  deps: Deps,
  agent: AgentIdentity,
  jobTypes: JobType[],
  bootId: string | undefined,
): Promise<TakenJob | null> {
  const now = deps.clock.now();
  const rows = await deps.prisma.$queryRaw<TakenJob[]>`
    WITH picked AS (
      SELECT j.id FROM jobs j
      WHERE j.node_id = ${agent.nodeId}::uuid AND j.job_type = ANY(${jobTypes}::text[])
        AND ${claimableSql(now)}
      ORDER BY j.created_at, j.id
      LIMIT 1
      FOR UPDATE OF j SKIP LOCKED
    ), taken AS (
      UPDATE jobs SET status = 'running', started_at = ${now}, agent_boot_id = ${bootId ?? null}, updated_at = ${now}
      FROM picked WHERE jobs.id = picked.id
      RETURNING jobs.id, jobs.node_id, jobs.job_type, jobs.script, jobs.max_duration_seconds, jobs.image,
        jobs.status, jobs.failure_reason
    ), busy AS (
      UPDATE nodes SET status = 'busy', updated_at = ${now}
      WHERE id = ${agent.nodeId}::uuid AND status = 'available' AND EXISTS (SELECT 1 FROM taken)
    )
    SELECT id, node_id AS "nodeId", job_type AS "jobType", script, max_duration_seconds AS "maxDurationSeconds",
      image, status, failure_reason AS "failureReason"
    FROM taken`;
  return rows[0] ?? null;
}

type TakenJob = Pick<
  Job,
  "id" | "nodeId" | "jobType" | "script" | "maxDurationSeconds" | "image" | "status" | "failureReason"
>;

/**
 * Long-polls up to waitSeconds for a job. While it waits it holds no database
 * connection: it sleeps on the instance's work signal (work-signal.ts: Redis
 * nudges, plus one sweep query per instance), and PostgreSQL is asked only
 * when there is a sign of work, or once for a claim that does not wait.
 */
export async function claimJob(
  deps: Deps,
  agent: AgentIdentity,
  input: { waitSeconds: number; jobTypes: JobType[]; bootId?: string },
  signal?: AbortSignal,
): Promise<ClaimedJob | null> {
  const deadline = Date.now() + input.waitSeconds * 1000;
  // Asking for work is proof of life, as good as a heartbeat.
  await recordHeartbeat(deps, agent, {});
  if (input.bootId) await failOrphans(deps, agent, input.bootId);
  let look = input.waitSeconds === 0;
  for (;;) {
    const seen = hint(deps, agent.nodeId);
    if (look || seen > 0) {
      const job = await tryClaim(deps, agent, input.jobTypes, input.bootId);
      // After a take the hint stays: the node may have more queued; the next claim looks and clears it.
      if (!job) clear(deps, agent.nodeId, seen);
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
    }
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return null;
    // Not woken by a signal: the wait is over (or the agent went away).
    if (!(await waitForWork(deps, agent.nodeId, left, signal))) return null;
    look = true;
  }
}
