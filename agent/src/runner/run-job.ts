import { ExecutorError, type ExecutionResult, type Executor } from "../executor/types";
import type { MarketplaceClient } from "../marketplace/client";
import type { ClaimedJob } from "@computeswarm/protocol";
import type { BackoffOptions } from "../util/backoff";
import { errorMessage, type Logger } from "../util/logger";
import { LogStreamer } from "./log-streamer";
import { reportUntilAcknowledged } from "./report-until-acknowledged";
import type { PendingReport, ResultSpool } from "./result-spool";

export const SHUTDOWN_MESSAGE = "agent shutting down";

export interface RunJobDeps {
  client: MarketplaceClient;
  executor: Executor;
  spool: ResultSpool;
  logger: Logger;
  /** Aborts when the running job must be killed (shutdown grace is over). */
  killSignal: AbortSignal;
  /** Aborts when reports should stop retrying (they stay spooled). */
  giveUpSignal: AbortSignal;
  backoff?: BackoffOptions;
  logFlushIntervalMs?: number;
}

/** Sends one final report, spooling it first so that it survives a crash or restart. */
export async function deliverReport(
  report: PendingReport,
  deps: Pick<RunJobDeps, "client" | "spool" | "logger" | "giveUpSignal" | "backoff">,
) {
  await deps.spool
    .save(report)
    .catch((err) => deps.logger.warn("could not spool job report", { jobId: report.jobId, error: errorMessage(err) }));
  const send = () =>
    report.kind === "complete"
      ? deps.client.complete(report.jobId, report.body as never)
      : deps.client.fail(report.jobId, report.body as never);
  const outcome = await reportUntilAcknowledged(send, {
    logger: deps.logger,
    jobId: report.jobId,
    kind: report.kind,
    giveUp: deps.giveUpSignal,
    backoff: deps.backoff,
  });
  if (outcome === "gave_up")
    deps.logger.warn("job report not acknowledged yet; kept for the next start", {
      jobId: report.jobId,
      spool: deps.spool.dir,
    });
  else await deps.spool.remove(report.jobId);
  return outcome;
}

/** Runs a claimed job to its end and reports it: complete, or fail with node_error. */
export async function runJob(job: ClaimedJob, deps: RunJobDeps): Promise<void> {
  const { logger } = deps;
  const jobAbort = new AbortController();
  let goneOnMarketplace = false;
  const onKill = () => jobAbort.abort();
  deps.killSignal.addEventListener("abort", onKill, { once: true });
  if (deps.killSignal.aborted) jobAbort.abort();

  const logChannel = deps.client.logChannel(job.id);
  const streamer = new LogStreamer({
    send: (chunk) => logChannel.send(chunk),
    logger,
    flushIntervalMs: deps.logFlushIntervalMs,
    onJobGone: () => {
      goneOnMarketplace = true;
      logger.warn("marketplace says the job is no longer running; stopping it", { jobId: job.id });
      jobAbort.abort();
    },
  });

  const closeLogs = async () => {
    await streamer.close();
    logChannel.close();
  };

  const fail = (message: string) =>
    deliverReport(
      { jobId: job.id, kind: "fail", body: { reason: "node_error", message }, createdAt: new Date().toISOString() },
      deps,
    );

  logger.info("job started", {
    jobId: job.id,
    jobType: job.jobType,
    maxDurationSeconds: job.maxDurationSeconds,
    image: job.image,
    executor: deps.executor.kind,
  });
  let result: ExecutionResult;
  try {
    if (!deps.executor.supportedJobTypes().includes(job.jobType)) {
      throw new ExecutorError(`job type ${job.jobType} is not supported by this node's ${deps.executor.kind} executor`);
    }
    if (job.image !== undefined && !deps.executor.advertisedImages().includes(job.image)) {
      throw new ExecutorError(
        `image ${job.image} is not one this node allows; it runs only ${deps.executor.advertisedImages().join(", ") || "its own runtime, no images"}`,
      );
    }
    result = await deps.executor.run({
      jobId: job.id,
      jobType: job.jobType,
      script: job.script,
      maxDurationSeconds: job.maxDurationSeconds,
      image: job.image,
      onOutput: (stream, text) => streamer.write(stream, text),
      signal: jobAbort.signal,
    });
  } catch (err) {
    await closeLogs();
    const message = err instanceof ExecutorError ? err.message : `agent error: ${errorMessage(err)}`;
    logger.error("job could not run", { jobId: job.id, error: message });
    await fail(message.slice(0, 2000));
    return;
  } finally {
    deps.killSignal.removeEventListener("abort", onKill);
  }
  await closeLogs();

  if (result.aborted && goneOnMarketplace) {
    logger.info("job stopped; not reporting a result the marketplace no longer wants", { jobId: job.id });
    return;
  }
  if (result.aborted) {
    logger.warn("job killed: agent shutting down before it finished", { jobId: job.id, durationMs: result.durationMs });
    await fail(SHUTDOWN_MESSAGE);
    return;
  }
  logger.info("job finished", {
    jobId: job.id,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    outputBytes: Buffer.byteLength(result.output),
    outputTruncated: result.outputTruncated,
  });
  await deliverReport(
    {
      jobId: job.id,
      kind: "complete",
      body: {
        exitCode: result.exitCode,
        // Not plain text (NUL, invalid UTF-8): the exact bytes go instead, and the server derives the text.
        ...(result.outputBase64 !== undefined
          ? { output: "", outputBase64: result.outputBase64 }
          : { output: result.output }),
        outputTruncated: result.outputTruncated,
        durationMs: result.durationMs,
        timedOut: result.timedOut,
      },
      createdAt: new Date().toISOString(),
    },
    deps,
  );
}
