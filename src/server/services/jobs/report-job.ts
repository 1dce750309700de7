import { displayText, withoutNul } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { AgentIdentity } from "../nodes/agent-auth";
import { publishCommitted } from "../events/bus";
import { finishJob } from "./transition";
import { isPresumedLoss, type JobStatus } from "./job-states";
import { bufferJobLog, flushJobLogs, jobLogState, noteJobStatus } from "./log-buffer";

/** A job may keep at most this much log text; the agent caps output at 1 MB. */
const MAX_LOG_BYTES = 2 * 1024 * 1024;

async function runningJobOfAgent(deps: Deps, agent: AgentIdentity, jobId: string) {
  const job = await deps.prisma.job.findUnique({ where: { id: jobId } });
  // Another node's job looks exactly like a missing one: no information leaks.
  if (!job || job.nodeId !== agent.nodeId)
    throw new AppError("NOT_FOUND", `No job ${jobId} on this node.`, "job_not_found");
  return job;
}

/** The job's log state, if `agent` may log to it now: its node's job, running (else 404 / 409). */
export async function loggableJob(deps: Deps, agent: AgentIdentity, jobId: string) {
  const job = await jobLogState(deps, jobId);
  // Another node's job looks exactly like a missing one: no information leaks.
  if (!job || job.nodeId !== agent.nodeId)
    throw new AppError("NOT_FOUND", `No job ${jobId} on this node.`, "job_not_found");
  if (job.status !== "running") {
    throw new AppError("CONFLICT", `Job ${jobId} is ${job.status}, not running.`, "job_not_running", {
      status: job.status,
    });
  }
  return job;
}

/**
 * Appends a chunk of live output. Chunks are keyed by (stream, seq): a retried
 * chunk is stored once. Published to live listeners at once, stored with its
 * window's other chunks (log-buffer.ts); no database round trip per chunk.
 */
export async function appendJobLog(
  deps: Deps,
  agent: AgentIdentity,
  jobId: string,
  chunk: { seq: number; stream: "stdout" | "stderr"; data: string },
) {
  const job = await loggableJob(deps, agent, jobId);
  if (job.bytes + Buffer.byteLength(chunk.data) > MAX_LOG_BYTES) {
    return { ok: true as const, status: "running" as const, dropped: true };
  }
  if (bufferJobLog(deps, job, { jobId, seq: chunk.seq, stream: chunk.stream, data: chunk.data }))
    await publishCommitted(deps, `job:${jobId}`, { type: "log", jobId, ...chunk });
  return { ok: true as const, status: "running" as const, dropped: false };
}

/**
 * The agent's final report. Exit 0 → completed; non-zero → failed (job_error);
 * killed at its limit → timed_out. Reporting the same outcome again is
 * acknowledged (the agent retries until it hears back). A job the server
 * failed on a presumption (the node fell silent, or seemed to restart) takes
 * its node's late report: the work was done. Anything else on a finished job
 * is a 409 so the agent stops retrying.
 */
export async function completeJob(
  deps: Deps,
  agent: AgentIdentity,
  jobId: string,
  report: {
    exitCode: number | null;
    output: string;
    outputBase64?: string;
    outputTruncated: boolean;
    durationMs: number;
    timedOut: boolean;
  },
) {
  const current = await runningJobOfAgent(deps, agent, jobId);
  // The chunks this process acknowledged are stored before the job ends.
  await flushJobLogs(deps, jobId);
  const to: JobStatus = report.timedOut ? "timed_out" : report.exitCode === 0 ? "completed" : "failed";
  const failureReason = report.timedOut ? "timed_out" : report.exitCode === 0 ? undefined : "job_error";
  const presumedLost = isPresumedLoss(current);
  if (current.status !== "running" && !presumedLost) {
    if (current.status === to) return { ok: true as const, status: current.status };
    throw new AppError("CONFLICT", `Job ${jobId} is already ${current.status}.`, "job_not_running", {
      status: current.status,
    });
  }
  const now = deps.clock.now();
  // The duration the buyer sees is bounded by what the server saw.
  const serverMs = current.startedAt ? now.getTime() - current.startedAt.getTime() : report.durationMs;
  const durationMs = Math.min(report.durationMs, Math.max(serverMs, 0));
  // A late report arrives after an outage: the job ended when it ran out, not when we heard of it.
  const completedAt = presumedLost && current.startedAt ? new Date(current.startedAt.getTime() + durationMs) : now;
  const job = await finishJob(
    deps,
    jobId,
    to,
    {
      exitCode: report.exitCode,
      // Bytes that are not plain text are kept exactly; the text column gets what the UI shows for them.
      ...(report.outputBase64 !== undefined
        ? { output: displayText(Buffer.from(report.outputBase64, "base64")), outputBase64: report.outputBase64 }
        : { output: withoutNul(report.output), outputBase64: null }),
      outputTruncated: report.outputTruncated,
      durationMs,
      completedAt,
      failureReason: failureReason ?? null,
      failureCause: null,
      error: report.timedOut ? `Stopped at its limit of ${current.maxDurationSeconds} s.` : null,
    },
    presumedLost ? { nodeId: agent.nodeId, presumedLoss: true } : { nodeId: agent.nodeId, from: ["running"] },
  );
  if (!job) return completeJob(deps, agent, jobId, report); // raced with the watchdog: answer from the new state
  if (presumedLost) {
    deps.log.info(
      { jobId, nodeId: agent.nodeId, presumed: current.failureCause, status: job.status },
      "late report accepted for a job presumed lost",
    );
  }
  noteJobStatus(deps, jobId, job.status);
  return { ok: true as const, status: job.status };
}

/** The node could not run the job (sandbox failure, shutdown): node_error, never billed. */
export async function failJob(deps: Deps, agent: AgentIdentity, jobId: string, input: { message: string }) {
  const current = await runningJobOfAgent(deps, agent, jobId);
  await flushJobLogs(deps, jobId);
  if (current.status === "failed" && current.failureReason === "node_error")
    return { ok: true as const, status: current.status };
  const job = await finishJob(
    deps,
    jobId,
    "failed",
    { failureReason: "node_error", error: input.message, completedAt: deps.clock.now() },
    { nodeId: agent.nodeId, from: ["running"] },
  );
  if (!job) {
    throw new AppError("CONFLICT", `Job ${jobId} is ${current.status}, not running.`, "job_not_running", {
      status: current.status,
    });
  }
  noteJobStatus(deps, jobId, job.status);
  return { ok: true as const, status: job.status };
}
