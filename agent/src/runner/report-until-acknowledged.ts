import { isPermanentError, retryDelayMs } from "../marketplace/errors";
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from "../util/backoff";
import { errorMessage, type Logger } from "../util/logger";
import { sleep } from "../util/sleep";

export type ReportOutcome = "acknowledged" | "rejected" | "gave_up";

/**
 * Sends a job's final report until the marketplace acknowledges it. Stops early
 * only when retrying cannot help (409: the job is no longer running there, or
 * another permanent 4xx) or when `giveUp` aborts (agent shutting down; the
 * report stays in the spool for the next start).
 */
export async function reportUntilAcknowledged(
  send: () => Promise<unknown>,
  opts: { logger: Logger; jobId: string; kind: string; giveUp?: AbortSignal; backoff?: BackoffOptions },
): Promise<ReportOutcome> {
  for (let attempt = 0; ; attempt++) {
    if (opts.giveUp?.aborted) return "gave_up";
    try {
      await send();
      opts.logger.info("job report acknowledged", { jobId: opts.jobId, kind: opts.kind, attempts: attempt + 1 });
      return "acknowledged";
    } catch (err) {
      if (isPermanentError(err)) {
        opts.logger.warn("marketplace refused the job report; not retrying", {
          jobId: opts.jobId,
          kind: opts.kind,
          error: errorMessage(err),
        });
        return "rejected";
      }
      const retryInMs = retryDelayMs(err, backoffDelayMs(attempt, opts.backoff ?? DEFAULT_BACKOFF));
      opts.logger.warn("job report failed; retrying", {
        jobId: opts.jobId,
        kind: opts.kind,
        error: errorMessage(err),
        retryInMs,
      });
      await sleep(retryInMs, opts.giveUp);
    }
  }
}
