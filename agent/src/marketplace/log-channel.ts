import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  LOG_STREAM_IDLE_SECONDS,
  LOG_STREAM_MAX_SECONDS,
  logStreamAckSchema,
  logStreamErrorSchema,
  ndjsonLines,
  type appendLogRequestSchema,
} from "@computeswarm/protocol";
import type { z } from "zod";
import {
  MarketplaceHttpError,
  MarketplaceProtocolError,
  MarketplaceUnreachableError,
  marketplaceHttpError,
} from "./errors";

export type LogChunkBody = z.input<typeof appendLogRequestSchema>;
export type LogAck = z.infer<typeof logStreamAckSchema>;

export interface LogChannelOptions {
  /** POST …/jobs/{id}/logs/stream */
  streamUrl: string;
  headers: Record<string, string>;
  /** The longest a chunk may wait for its answer. */
  timeoutMs: number;
  /** One chunk as its own POST to /logs: where the marketplace has no stream. */
  post: (chunk: LogChunkBody) => Promise<unknown>;
  maxSeconds?: number;
  idleSeconds?: number;
}

/** The marketplace has no log stream (an older one, or `next dev`): 404 without a reason. */
class StreamUnsupported extends Error {}

interface Pending {
  seq: number;
  resolve: (ack: LogAck) => void;
  reject: (err: Error) => void;
}

/**
 * One job's live log, sent over logs/stream: one long request carries the
 * chunks, one per line, and its answer acks each in order, so a chunk costs
 * a line each way instead of a request. A stream is ended after
 * LOG_STREAM_MAX_SECONDS, or when the job has been quiet LOG_STREAM_IDLE_SECONDS,
 * and the next chunk opens a new one. Where the marketplace has no stream, or
 * nothing ever comes back through it (a proxy holding the request body until
 * it ends), chunks go one POST each to /logs instead, as before.
 */
export class JobLogChannel {
  private stream: LogStream | undefined;
  private posting = false;
  private everAnswered = false;

  constructor(private readonly opts: LogChannelOptions) {}

  async send(chunk: LogChunkBody): Promise<unknown> {
    if (this.posting) return this.opts.post(chunk);
    try {
      if (!this.stream?.usable()) {
        this.stream?.end();
        this.stream = new LogStream(this.opts);
      }
      const ack = await this.stream.send(chunk);
      this.everAnswered = true;
      return ack;
    } catch (err) {
      if (err instanceof MarketplaceHttpError) this.everAnswered = true;
      // A timeout before the answer even began, on a channel never answered: something holds the body.
      const held = err instanceof StreamTimeout && err.beforeAnswer && !this.everAnswered;
      const noStream = err instanceof StreamUnsupported || held;
      if (!noStream) throw err;
      this.posting = true;
      this.stream?.end();
      this.stream = undefined;
      return this.opts.post(chunk);
    }
  }

  /** Ends the open stream, if any (the job's output is all sent). */
  close(): void {
    this.stream?.end();
    this.stream = undefined;
  }
}

class StreamTimeout extends MarketplaceUnreachableError {
  constructor(
    message: string,
    /** No answer (not even its status) had come when the chunk timed out. */
    readonly beforeAnswer: boolean,
  ) {
    super(message);
  }
}

/** One logs/stream request. */
class LogStream {
  private readonly req: ClientRequest;
  private readonly pending: Pending[] = [];
  private readonly openedAt = Date.now();
  private lastSentAt = Date.now();
  private failure: Error | undefined;
  private ended = false;
  private answered = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LogChannelOptions) {
    const url = new URL(opts.streamUrl);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    this.req = request(url, { method: "POST", headers: { ...opts.headers, "content-type": "application/x-ndjson" } });
    this.req.on("response", (res) => this.onResponse(res));
    this.req.on("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      this.fail(new MarketplaceUnreachableError(`log stream: ${code ?? err.message}`));
    });
    this.req.on("close", () => this.fail(new MarketplaceUnreachableError("log stream: connection closed")));
  }

  /** Open, not failed, younger than LOG_STREAM_MAX_SECONDS. */
  usable(): boolean {
    const maxMs = (this.opts.maxSeconds ?? LOG_STREAM_MAX_SECONDS) * 1000;
    return !this.failure && !this.ended && Date.now() - this.openedAt < maxMs;
  }

  send(chunk: LogChunkBody): Promise<LogAck> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<LogAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `log stream: no answer to chunk ${chunk.seq} in ${this.opts.timeoutMs} ms`;
        this.fail(new StreamTimeout(message, !this.answered));
      }, this.opts.timeoutMs);
      const done = () => clearTimeout(timer);
      this.pending.push({
        seq: chunk.seq,
        resolve: (ack) => (done(), resolve(ack)),
        reject: (err) => (done(), reject(err)),
      });
      this.lastSentAt = Date.now();
      this.req.write(`${JSON.stringify(chunk)}\n`);
      this.armIdle();
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.req.end();
  }

  /** Ends the stream once it has carried nothing for LOG_STREAM_IDLE_SECONDS (a proxy would cut it). */
  private armIdle() {
    clearTimeout(this.idleTimer);
    const idleMs = (this.opts.idleSeconds ?? LOG_STREAM_IDLE_SECONDS) * 1000;
    this.idleTimer = setTimeout(() => {
      if (this.pending.length === 0 && Date.now() - this.lastSentAt >= idleMs) this.end();
      else this.armIdle();
    }, idleMs);
    this.idleTimer.unref();
  }

  private onResponse(res: IncomingMessage) {
    this.answered = true;
    res.setEncoding("utf8");
    let text = "";
    if (res.statusCode !== 200) {
      res.on("data", (t: string) => {
        if (text.length < 65_536) text += t;
      });
      res.on("end", () => this.fail(refusal(res, text)));
      return;
    }
    const lines = ndjsonLines((line) => this.onLine(line));
    res.on("data", (t: string) => lines.push(t));
    res.on("end", () => this.fail(new MarketplaceUnreachableError("log stream: the marketplace ended it")));
  }

  private onLine(line: string) {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      json = undefined;
    }
    const ack = logStreamAckSchema.safeParse(json);
    if (ack.success) {
      const next = this.pending[0];
      if (next?.seq === ack.data.seq) {
        this.pending.shift();
        next.resolve(ack.data);
        return;
      }
    }
    const refused = logStreamErrorSchema.safeParse(json);
    if (refused.success) {
      const { status, code, message } = refused.data.error;
      this.fail(new MarketplaceHttpError(status, code, message));
      return;
    }
    this.fail(new MarketplaceProtocolError(`log stream: unexpected line ${line.slice(0, 200)}`));
  }

  /** Every chunk still waiting gets `err`; the stream is done. */
  private fail(err: Error) {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
    if (!this.ended) {
      this.ended = true;
      clearTimeout(this.idleTimer);
      this.req.destroy();
    }
  }
}

/** A refusal before the stream began (401, 404, 409, 503…), as the other calls report theirs. */
function refusal(res: IncomingMessage, text: string): Error {
  let reason: unknown;
  try {
    reason = (JSON.parse(text) as { error?: { reason?: unknown } }).error?.reason;
  } catch {
    reason = undefined;
  }
  if (res.statusCode === 404 && (reason === undefined || reason === null))
    return new StreamUnsupported("no log stream");
  const retryAfter = res.headers["retry-after"];
  return marketplaceHttpError(res.statusCode ?? 0, text, res.statusMessage ?? "", retryAfter ?? null);
}
