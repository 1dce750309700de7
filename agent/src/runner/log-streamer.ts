import type { OutputStream } from "../executor/types";
import { isJobGoneError, retryDelayMs } from "../marketplace/errors";
import { errorMessage, type Logger } from "../util/logger";
import { sleep } from "../util/sleep";

export interface LogChunk {
  seq: number;
  stream: OutputStream;
  data: string;
}

export interface LogStreamerOptions {
  send: (chunk: LogChunk) => Promise<unknown>;
  logger: Logger;
  flushIntervalMs?: number;
  /** Flush early once this many characters are waiting. */
  maxBatchChars?: number;
  /** The marketplace answered that the job is no longer running. */
  onJobGone?: () => void;
  retryDelaysMs?: number[];
  /** The longest a busy marketplace's Retry-After may hold live logs back (the final report has the whole output). */
  maxRetryAfterMs?: number;
}

/**
 * Batches a running job's output into numbered chunks (every 500 ms or 16 KB)
 * and posts them in order, one at a time. Live logs are best effort: a chunk
 * that still fails after a few tries is dropped (the final report carries the
 * whole capped output), and after such a failure later chunks get one try each
 * until the marketplace answers again, so an outage does not delay the result.
 */
export class LogStreamer {
  private pending: { stream: OutputStream; data: string }[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: LogChunk[] = [];
  private seq = 0;
  private sending: Promise<void> | undefined;
  private degraded = false;
  private gone = false;
  private readonly flushIntervalMs: number;
  private readonly maxBatchChars: number;

  constructor(private readonly opts: LogStreamerOptions) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 500;
    this.maxBatchChars = opts.maxBatchChars ?? 16 * 1024;
  }

  write(stream: OutputStream, data: string): void {
    if (this.gone || data === "") return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.data += data;
    else this.pending.push({ stream, data });
    this.pendingChars += data.length;
    if (this.pendingChars >= this.maxBatchChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /** Sends what is buffered and waits until every chunk was posted or dropped. */
  async close(): Promise<void> {
    this.flush();
    while (this.sending) await this.sending;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { stream, data } of this.pending) {
      for (let i = 0; i < data.length; i += this.maxBatchChars) {
        this.queue.push({ seq: this.seq++, stream, data: data.slice(i, i + this.maxBatchChars) });
      }
    }
    this.pending = [];
    this.pendingChars = 0;
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  private async drain(): Promise<void> {
    const delays = this.opts.retryDelaysMs ?? [250, 1000];
    while (this.queue.length > 0 && !this.gone) {
      const chunk = this.queue.shift()!;
      const tries = this.degraded ? 1 : delays.length + 1;
      for (let attempt = 0; attempt < tries; attempt++) {
        try {
          await this.opts.send(chunk);
          this.degraded = false;
          break;
        } catch (err) {
          if (isJobGoneError(err)) {
            this.gone = true;
            this.queue.length = 0;
            this.opts.onJobGone?.();
            return;
          }
          if (attempt === tries - 1) {
            this.degraded = true;
            this.opts.logger.warn("dropped a log chunk", { seq: chunk.seq, error: errorMessage(err) });
          } else {
            // A busy marketplace (503/429) says how long to wait: honour it, within a bound.
            const backoffMs = delays[attempt] ?? 1000;
            await sleep(Math.min(retryDelayMs(err, backoffMs), Math.max(backoffMs, this.opts.maxRetryAfterMs ?? 5000)));
          }
        }
      }
    }
  }
}
