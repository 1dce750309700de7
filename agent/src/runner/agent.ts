import { randomBytes } from "node:crypto";
import type { Executor } from "../executor/types";
import type { MarketplaceClient } from "../marketplace/client";
import { MarketplaceHttpError, retryDelayMs } from "../marketplace/errors";
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from "../util/backoff";
import { errorMessage, type Logger } from "../util/logger";
import { sleep } from "../util/sleep";
import { AGENT_VERSION } from "../version";
import type { ResultSpool } from "./result-spool";
import { deliverReport, runJob } from "./run-job";

/**
 * How long a restarted agent waits for its spooled reports before claiming: its
 * first claim tells the marketplace "nothing is running here", which fails a job
 * whose result is still on its way. Bounded, so one stuck report cannot stop work.
 */
export const RESEND_BEFORE_CLAIM_MS = 60_000;

export interface AgentOptions {
  nodeId: string;
  client: MarketplaceClient;
  executor: Executor;
  spool: ResultSpool;
  logger: Logger;
  heartbeatIntervalMs: number;
  pollWaitSeconds: number;
  /** After SIGTERM, how long a running job may still finish. */
  shutdownGraceMs: number;
  /** After the grace, how long the final reports may still be retried. */
  finalReportWindowMs?: number;
  gpuUtilization?: () => Promise<number | undefined>;
  backoff?: BackoffOptions;
  logFlushIntervalMs?: number;
}

/**
 * The `start` loop: heartbeats on a timer, long-polls for one job at a time,
 * runs it, reports it. Shutdown is in two steps: stop claiming (drain), then
 * after the grace period kill the running job and hand it back.
 */
export class Agent {
  /** Drawn once per process: the marketplace fails only jobs claimed under another boot as orphans. */
  private readonly bootId = randomBytes(16).toString("base64url");
  private readonly draining = new AbortController();
  private readonly killJobs = new AbortController();
  private readonly giveUpReports = new AbortController();
  private readonly stopHeartbeat = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private runningJobId: string | undefined;
  private lastStatus: string | undefined;

  constructor(private readonly o: AgentOptions) {}

  /** First call: stop claiming and let the running job finish; second call: kill it now. */
  shutdown(reason: string): void {
    const finalWindow = this.o.finalReportWindowMs ?? 10_000;
    if (!this.draining.signal.aborted) {
      this.o.logger.info("shutting down: no new jobs", {
        reason,
        runningJobId: this.runningJobId,
        graceSeconds: this.o.shutdownGraceMs / 1000,
      });
      this.draining.abort();
      this.timers.push(setTimeout(() => this.killJobs.abort(), this.o.shutdownGraceMs));
      this.timers.push(setTimeout(() => this.giveUpReports.abort(), this.o.shutdownGraceMs + finalWindow));
    } else if (!this.killJobs.signal.aborted) {
      this.o.logger.warn("second stop request: killing the running job now", {
        reason,
        runningJobId: this.runningJobId,
      });
      this.killJobs.abort();
      this.timers.push(setTimeout(() => this.giveUpReports.abort(), finalWindow));
    }
  }

  async run(): Promise<void> {
    const { logger, executor } = this.o;
    logger.info("agent started", {
      nodeId: this.o.nodeId,
      executor: executor.kind,
      jobTypes: executor.supportedJobTypes(),
      version: AGENT_VERSION,
    });
    const heartbeats = this.heartbeatLoop();
    const leftovers = this.resendSpooledReports();
    await Promise.race([leftovers, sleep(RESEND_BEFORE_CLAIM_MS, this.draining.signal)]);
    await this.claimLoop();
    await leftovers;
    this.stopHeartbeat.abort();
    await heartbeats;
    this.timers.forEach(clearTimeout);
    logger.info("agent stopped", { nodeId: this.o.nodeId });
  }

  private async heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopHeartbeat.signal.aborted) {
      try {
        const gpuUtilization = await this.o.gpuUtilization?.().catch(() => undefined);
        const res = await this.o.client.heartbeat(
          {
            gpuUtilization,
            runningJobId: this.runningJobId,
            agentVersion: AGENT_VERSION,
            images: this.o.executor.advertisedImages(),
          },
          { signal: this.stopHeartbeat.signal },
        );
        if (failures > 0) this.o.logger.info("heartbeat ok again", { afterFailures: failures });
        failures = 0;
        if (res.status !== this.lastStatus) this.o.logger.info("node status", { status: res.status });
        this.lastStatus = res.status;
      } catch (err) {
        if (this.stopHeartbeat.signal.aborted) break;
        failures++;
        const rejected = err instanceof MarketplaceHttpError && (err.status === 401 || err.status === 403);
        const fields = { error: errorMessage(err), failures };
        // During a long outage, say so at the start and then now and then, not every beat.
        const worthLogging = failures <= 3 || failures % 20 === 0;
        if (rejected && worthLogging)
          this.o.logger.error(
            "heartbeat rejected: the agent token is not valid; run `computeswarm-agent register` again",
            fields,
          );
        else if (worthLogging) this.o.logger.warn("heartbeat failed", fields);
      }
      await sleep(this.o.heartbeatIntervalMs, this.stopHeartbeat.signal);
    }
  }

  /** Beats once now (e.g. to tell the marketplace a job started) without waiting for the timer. */
  private beatNow(): void {
    void this.o.client
      .heartbeat({ runningJobId: this.runningJobId, agentVersion: AGENT_VERSION })
      .catch(() => undefined);
  }

  private async claimLoop(): Promise<void> {
    const { client, executor, logger } = this.o;
    let failures = 0;
    while (!this.draining.signal.aborted) {
      const asked = Date.now();
      let job;
      try {
        job = (
          await client.claim(
            { waitSeconds: this.o.pollWaitSeconds, jobTypes: executor.supportedJobTypes(), bootId: this.bootId },
            { signal: this.draining.signal },
          )
        ).job;
        if (failures > 0) logger.info("marketplace reachable again", { afterFailures: failures });
        failures = 0;
      } catch (err) {
        if (this.draining.signal.aborted) break;
        // A 503 (the marketplace's storage busy or down) says how long to stay away.
        const retryInMs = retryDelayMs(err, backoffDelayMs(failures++, this.o.backoff ?? DEFAULT_BACKOFF));
        logger.warn("claim failed; retrying", { error: errorMessage(err), failures, retryInMs });
        await sleep(retryInMs, this.draining.signal);
        continue;
      }
      if (!job) {
        // A server that answers at once (waitSeconds 0, or no long-poll) must not be hammered.
        if (Date.now() - asked < 500) await sleep(1000, this.draining.signal);
        continue;
      }
      this.runningJobId = job.id;
      this.beatNow();
      try {
        await runJob(job, {
          client,
          executor,
          spool: this.o.spool,
          logger,
          killSignal: this.killJobs.signal,
          giveUpSignal: this.giveUpReports.signal,
          backoff: this.o.backoff,
          logFlushIntervalMs: this.o.logFlushIntervalMs,
        });
      } catch (err) {
        logger.error("unexpected error while handling a job", { jobId: job.id, error: errorMessage(err) });
      } finally {
        this.runningJobId = undefined;
      }
    }
  }

  /** Reports left over from an earlier run that died before the marketplace acknowledged them. */
  private async resendSpooledReports(): Promise<void> {
    const reports = await this.o.spool.list();
    if (reports.length > 0) this.o.logger.info("resending job reports from an earlier run", { count: reports.length });
    await Promise.all(
      reports.map((report) =>
        deliverReport(report, { ...this.o, giveUpSignal: this.giveUpReports.signal }).catch((err) =>
          this.o.logger.error("could not resend job report", { jobId: report.jobId, error: errorMessage(err) }),
        ),
      ),
    );
  }
}
