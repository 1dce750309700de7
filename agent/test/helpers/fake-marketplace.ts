import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ndjsonLines } from "@computeswarm/protocol";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
  at: number;
}

export type Handler = (
  req: RecordedRequest,
) => { status: number; body: unknown } | undefined | Promise<{ status: number; body: unknown } | undefined>;

/**
 * A stand-in for the marketplace's agent API on 127.0.0.1: records every
 * request, answers through `handler` (undefined falls back to sensible
 * defaults), and queues jobs for /claim.
 */
export class FakeMarketplace {
  readonly requests: RecordedRequest[] = [];
  readonly jobs: unknown[] = [];
  handler: Handler = () => undefined;
  /** Off: logs/stream answers 404, as a marketplace without it does. */
  logStreamServed = true;
  /** The /jobs/{id}/logs of every logs/stream request opened. */
  readonly streamsOpened: string[] = [];
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
    this.server = undefined;
  }

  paths(prefix = ""): string[] {
    return this.requests.map((r) => r.path).filter((p) => p.startsWith(prefix));
  }

  find(pathEnd: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(pathEnd));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").replace(/^\/api\/agent\/v2/, "");
    if (/^\/jobs\/[^/]+\/logs\/stream$/.test(path)) return this.logStream(req, res, path);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: (req.url ?? "/").replace(/^\/api\/agent\/v2/, ""),
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
      at: Date.now(),
    };
    this.requests.push(rec);
    const answer = (await this.handler(rec)) ?? (await this.defaultAnswer(rec));
    if (res.destroyed) return;
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(JSON.stringify(answer.body));
  }

  /**
   * logs/stream as the marketplace serves it: each line is recorded (and
   * answered by `handler`) as if it were a POST to /logs, and acked in order;
   * a non-200 answer becomes the stream's error line. With `logStream` off it
   * is a 404 without a reason, as from a marketplace that predates it.
   */
  private async logStream(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const logsPath = path.replace(/\/stream$/, "");
    this.streamsOpened.push(logsPath);
    if (!this.logStreamServed) {
      res.writeHead(404, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: { code: "NOT_FOUND", message: `no route ${path}` } }));
      req.resume();
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.flushHeaders();
    req.setEncoding("utf8");
    let ended = false;
    const waiting: string[] = [];
    const lines = ndjsonLines((line) => waiting.push(line));
    // An agent killed mid-job resets the connection: that just ends the stream.
    const texts = (async function* () {
      try {
        for await (const text of req as AsyncIterable<string>) yield text;
      } catch {
        return;
      }
    })();
    for await (const text of texts) {
      lines.push(text);
      for (const line of waiting.splice(0)) {
        if (ended) continue;
        const body = JSON.parse(line) as { seq: number; stream: string };
        const rec: RecordedRequest = {
          method: "POST",
          path: logsPath,
          authorization: req.headers.authorization,
          body,
          at: Date.now(),
        };
        this.requests.push(rec);
        const answer = (await this.handler(rec)) ?? { status: 200, body: {} };
        if (answer.status === 200) {
          res.write(`${JSON.stringify({ seq: body.seq, stream: body.stream, dropped: false })}\n`);
        } else {
          const error = (answer.body as { error?: { code?: string; message?: string } }).error;
          res.end(
            `${JSON.stringify({ error: { code: error?.code ?? "ERROR", message: error?.message ?? "", status: answer.status } })}\n`,
          );
          ended = true;
        }
      }
    }
    if (!ended) res.end();
  }

  private async defaultAnswer(rec: RecordedRequest): Promise<{ status: number; body: unknown }> {
    if (rec.path === "/info")
      return { status: 200, body: { chainId: 31337, protocolVersion: 2, marketplaceUrl: this.url } };
    if (rec.path === "/heartbeat")
      return { status: 200, body: { ok: true, status: "available", serverTime: Date.now() } };
    if (rec.path === "/claim") {
      const job = this.jobs.shift();
      if (!job) {
        const wait = Math.min(Number((rec.body as { waitSeconds?: number })?.waitSeconds ?? 0), 1) * 1000;
        await new Promise((r) => setTimeout(r, wait));
      }
      return { status: 200, body: { job: job ?? null } };
    }
    if (/^\/jobs\/[^/]+\/(logs|complete|fail)$/.test(rec.path))
      return { status: 200, body: { ok: true, status: "ok" } };
    return { status: 404, body: { error: { code: "not_found", message: `no route ${rec.path}` } } };
  }
}
