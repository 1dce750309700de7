import { displayText, withoutNul } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { AgentIdentity } from "../nodes/agent-auth";
import { publish } from "../events/bus";
import { announceJob, transitionJob } from "./transition";
import type { JobStatus } from "./job-states";

/** A job may keep at most this much log text; the agent caps output at 1 MB. */
const MAX_LOG_BYTES = 2 * 1024 * 1024;

async function runningJobOfAgent(deps: Deps, agent: AgentIdentity, jobId: string) {
  const job = await deps.prisma.job.findUnique({ where: { id: jobId } });
  // Another node's job looks exactly like a missing one: no information leaks.
  if (!job || job.nodeId !== agent.nodeId)
    throw new AppError("NOT_FOUND", `No job ${jobId} on this node.`, "job_not_found");
  return job;
}

/** Appends a chunk of live output. Chunks are keyed by (stream, seq): a retried chunk is stored once. */
export async function appendJobLog(
  deps: Deps,
  agent: AgentIdentity,
  jobId: string,
  chunk: { seq: number; stream: "stdout" | "stderr"; data: string },
) {
  const job = await runningJobOfAgent(deps, agent, jobId);
  if (job.status !== "running") {
    throw new AppError("CONFLICT", `Job ${jobId} is ${job.status}, not running.`, "job_not_running", {
      status: job.status,
    });
  }
  const [usage] = await deps.prisma.$queryRaw<{ bytes: bigint }[]>`
    SELECT coalesce(sum(octet_length(data)), 0)::bigint AS bytes FROM job_logs WHERE job_id = ${jobId}::uuid`;
  if (Number(usage?.bytes ?? 0) + Buffer.byteLength(chunk.data) > MAX_LOG_BYTES) {
    return { ok: true as const, status: job.status, dropped: true };
  }
  const inserted = await deps.prisma.$executeRaw`
    INSERT INTO job_logs (job_id, seq, stream, data) VALUES (${jobId}::uuid, ${chunk.seq}, ${chunk.stream}, ${chunk.data})
    ON CONFLICT (job_id, stream, seq) DO NOTHING`;
  if (inserted) await publish(deps, `job:${jobId}`, { type: "log", jobId, ...chunk });
  return { ok: true as const, status: job.status, dropped: false };
}

/**
 * The agent's final report. Exit 0 → completed; non-zero → failed (job_error);
 * killed at its limit → timed_out. Reporting the same outcome again is
 * acknowledged (the agent retries until it hears back); anything else on a
 * finished job is a 409 so the agent stops retrying.
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
  const to: JobStatus = report.timedOut ? "timed_out" : report.exitCode === 0 ? "completed" : "failed";
  const failureReason = report.timedOut ? "timed_out" : report.exitCode === 0 ? undefined : "job_error";
  if (current.status !== "running") {
    if (current.status === to) return { ok: true as const, status: current.status };
    throw new AppError("CONFLICT", `Job ${jobId} is already ${current.status}.`, "job_not_running", {
      status: current.status,
    });
  }
  const now = deps.clock.now();
  // The duration the buyer sees is bounded by what the server saw.
  const serverMs = current.startedAt ? now.getTime() - current.startedAt.getTime() : report.durationMs;
  const job = await deps.prisma.$transaction((tx) =>
    transitionJob(
      tx,
      jobId,
      to,
      {
        exitCode: report.exitCode,
        // Bytes that are not plain text are kept exactly; the text column gets what the UI shows for them.
        ...(report.outputBase64 !== undefined
          ? { output: displayText(Buffer.from(report.outputBase64, "base64")), outputBase64: report.outputBase64 }
          : { output: withoutNul(report.output), outputBase64: null }),
        outputTruncated: report.outputTruncated,
        durationMs: Math.min(report.durationMs, Math.max(serverMs, 0)),
        completedAt: now,
        failureReason,
        error: report.timedOut ? `Stopped at its limit of ${current.maxDurationSeconds} s.` : null,
      },
      { nodeId: agent.nodeId, from: ["running"] },
    ),
  );
  if (!job) return completeJob(deps, agent, jobId, report); // raced with the watchdog: answer from the new state
  await announceJob(deps, job);
  return { ok: true as const, status: job.status };
}

/** The node could not run the job (sandbox failure, shutdown): node_error, never billed. */
export async function failJob(deps: Deps, agent: AgentIdentity, jobId: string, input: { message: string }) {
  const current = await runningJobOfAgent(deps, agent, jobId);
  if (current.status === "failed" && current.failureReason === "node_error")
    return { ok: true as const, status: current.status };
  const job = await deps.prisma.$transaction((tx) =>
    transitionJob(
      tx,
      jobId,
      "failed",
      { failureReason: "node_error", error: input.message, completedAt: deps.clock.now() },
      { nodeId: agent.nodeId, from: ["running"] },
    ),
  );
  if (!job) {
    throw new AppError("CONFLICT", `Job ${jobId} is ${current.status}, not running.`, "job_not_running", {
      status: current.status,
    });
  }
  await announceJob(deps, job);
  return { ok: true as const, status: job.status };
}
