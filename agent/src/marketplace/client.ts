import type { z } from "zod";
import {
  AGENT_API_PREFIX,
  AGENT_PROTOCOL_VERSION,
  ackResponseSchema,
  claimResponseSchema,
  heartbeatResponseSchema,
  infoResponseSchema,
  registerResponseSchema,
  type appendLogRequestSchema,
  type claimRequestSchema,
  type completeRequestSchema,
  type failRequestSchema,
  type heartbeatRequestSchema,
  type pairRequestSchema,
  type registerRequestSchema,
} from "@computeswarm/protocol";
import { AGENT_VERSION } from "../version";
import { JobLogChannel } from "./log-channel";
import { MarketplaceProtocolError, MarketplaceUnreachableError, marketplaceHttpError } from "./errors";

export interface MarketplaceClientOptions {
  baseUrl: string;
  agentToken?: string;
  /** Per-request timeout for everything but the claim long-poll. */
  requestTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  auth?: boolean;
}

/** Protocol v1 over HTTP: JSON bodies, bearer token, `{error:{code,message}}` errors. */
export class MarketplaceClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: MarketplaceClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  info(o?: RequestOptions) {
    return this.request("GET", "/info", undefined, infoResponseSchema, { ...o, auth: false });
  }
  register(body: z.input<typeof registerRequestSchema>, o?: RequestOptions) {
    return this.request("POST", "/register", body, registerResponseSchema, { ...o, auth: false });
  }
  pair(body: z.input<typeof pairRequestSchema>, o?: RequestOptions) {
    return this.request("POST", "/pair", body, registerResponseSchema, { ...o, auth: false });
  }
  heartbeat(body: z.input<typeof heartbeatRequestSchema>, o?: RequestOptions) {
    return this.request("POST", "/heartbeat", body, heartbeatResponseSchema, o);
  }
  /** Long-poll: the server holds the request up to waitSeconds, so the timeout is longer. */
  claim(body: z.input<typeof claimRequestSchema>, o?: RequestOptions) {
    const timeoutMs = ((body.waitSeconds ?? 25) + 15) * 1000;
    return this.request("POST", "/claim", body, claimResponseSchema, { timeoutMs, ...o });
  }
  appendLog(jobId: string, body: z.input<typeof appendLogRequestSchema>, o?: RequestOptions) {
    return this.request("POST", `/jobs/${encodeURIComponent(jobId)}/logs`, body, ackResponseSchema, o);
  }
  /** A running job's live log: streamed (logs/stream), or one POST per chunk where the marketplace has no stream. */
  logChannel(jobId: string): JobLogChannel {
    return new JobLogChannel({
      streamUrl: `${this.baseUrl}${AGENT_API_PREFIX}/jobs/${encodeURIComponent(jobId)}/logs/stream`,
      headers: this.headers(true),
      timeoutMs: this.opts.requestTimeoutMs ?? 15_000,
      post: (chunk) => this.appendLog(jobId, chunk),
    });
  }
  complete(jobId: string, body: z.input<typeof completeRequestSchema>, o?: RequestOptions) {
    return this.request("POST", `/jobs/${encodeURIComponent(jobId)}/complete`, body, ackResponseSchema, o);
  }
  fail(jobId: string, body: z.input<typeof failRequestSchema>, o?: RequestOptions) {
    return this.request("POST", `/jobs/${encodeURIComponent(jobId)}/fail`, body, ackResponseSchema, o);
  }

  private headers(auth: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": `computeswarm-agent/${AGENT_VERSION}`,
      "x-computeswarm-protocol": String(AGENT_PROTOCOL_VERSION),
    };
    if (auth && this.opts.agentToken) headers.authorization = `Bearer ${this.opts.agentToken}`;
    return headers;
  }

  private async request<S extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    schema: S,
    o: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const headers = this.headers(o.auth !== false);
    if (body !== undefined) headers["content-type"] = "application/json";
    const timeout = AbortSignal.timeout(o.timeoutMs ?? this.opts.requestTimeoutMs ?? 15_000);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;

    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${AGENT_API_PREFIX}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = timeout.aborted ? "request timed out" : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new MarketplaceUnreachableError(`${method} ${path}: ${why}`);
    }

    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) throw marketplaceHttpError(res.status, text, res.statusText, res.headers.get("retry-after"));
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MarketplaceProtocolError(`${method} ${path}: ${parsed.error.issues[0]?.message ?? "invalid body"}`);
    }
    return parsed.data;
  }
}
