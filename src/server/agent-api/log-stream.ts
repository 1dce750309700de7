import "server-only";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { appendLogRequestSchema, ndjsonLines } from "@computeswarm/protocol";
import { getDeps, type Deps } from "../deps";
import { errorAnswer, logInternal, toPublicError } from "../api/errors";
import { MAX_BODY_BYTES, parseJsonText, tooLarge } from "../http/body";
import { headerReader, writePlain } from "../http/lean/node-io";
import { authenticateAgent, type AgentIdentity } from "../services/nodes/agent-auth";
import { appendJobLog, loggableJob } from "../services/jobs/report-job";
import { jobIdSchema } from "./v1";

const NAME = "agent.v1.logs.stream";
/** How often a stream's token is checked again: a token revoked mid-stream stops it within this. */
const REAUTH_MS = 5_000;
/** Lines read but not yet answered before the request is paused (an agent sends one chunk at a time). */
const MAX_QUEUED_LINES = 32;

/**
 * POST /api/agent/v{1,2}/jobs/:jobId/logs/stream (protocol: logStreamAckSchema):
 * a running job's live log as one long request, one chunk per line, each
 * answered with one line, in order. Every chunk goes through appendJobLog, as
 * a POST to /logs does: the same checks, buffer and live publish, minus a
 * request (auth, headers, routing) per chunk. Served by the lean layer only;
 * under `next dev` the route is absent and agents fall back to /logs.
 */
export async function serveLogStream(
  req: IncomingMessage,
  res: ServerResponse,
  jobIdParam: string,
  extra: Record<string, string>,
): Promise<void> {
  const headers = headerReader(req);
  const requestId = headers.get("x-request-id")?.slice(0, 100) || randomUUID();
  let deps: Deps | undefined;
  let agent: AgentIdentity;
  let jobId: string;
  try {
    deps = await getDeps();
    agent = await authenticateAgent(deps, headers.get("authorization"));
    jobId = jobIdSchema.parse(jobIdParam);
    await loggableJob(deps, agent, jobId);
  } catch (err) {
    // Refused before it began: a plain error answer, the rest of the body read and dropped.
    req.resume();
    writePlain(res, errorAnswer(err, requestId, deps?.log, NAME), { ...extra, connection: "close" });
    return;
  }
  const d = deps;
  const authorization = headers.get("authorization");
  let authenticatedAt = d.clock.now().getTime();
  res.writeHead(200, {
    ...extra,
    "content-type": "application/x-ndjson",
    "cache-control": "no-store",
    "x-request-id": requestId,
  });
  res.flushHeaders();

  let ended = false;
  /** Ends the answer with an error line; later chunks are read and dropped until the agent ends its request. */
  const endWith = (err: unknown) => {
    if (ended) return;
    ended = true;
    const pub = toPublicError(err, requestId);
    if (pub.internal) logInternal(d.log, err, requestId, NAME);
    const { code, reason, message, status } = pub;
    res.end(`${JSON.stringify({ error: { code, reason, message, status, requestId } })}\n`);
    req.resume();
  };

  const answer = async (line: string) => {
    if (ended) return;
    const start = performance.now();
    let code = "OK";
    try {
      const chunk = appendLogRequestSchema.parse(parseJsonText(line, "A line of the log stream"));
      const now = d.clock.now().getTime();
      if (now - authenticatedAt >= REAUTH_MS || now < authenticatedAt) {
        agent = await authenticateAgent(d, authorization);
        authenticatedAt = now;
      }
      const out = await appendJobLog(d, agent, jobId, chunk);
      if (!ended) res.write(`{"seq":${chunk.seq},"stream":"${chunk.stream}","dropped":${out.dropped}}\n`);
    } catch (err) {
      code = toPublicError(err, requestId).code;
      endWith(err);
    } finally {
      d.metrics.requests.inc({ procedure: NAME, code });
      d.metrics.latency.observe({ procedure: NAME }, (performance.now() - start) / 1000);
    }
  };

  // Lines are answered one after another, in the order they came.
  let queue = Promise.resolve();
  let queued = 0;
  const enqueue = (line: string) => {
    if (++queued > MAX_QUEUED_LINES) req.pause();
    queue = queue.then(() => answer(line));
    void queue.then(() => {
      if (--queued <= MAX_QUEUED_LINES && !req.destroyed) req.resume();
    });
  };

  const lines = ndjsonLines((line) => {
    if (!ended) enqueue(line);
  });
  req.setEncoding("utf8"); // a character split across reads is kept whole
  req.on("data", (text: string) => {
    if (ended) return;
    lines.push(text);
    // One line may be as large as a POST to /logs may be.
    if (lines.waiting > MAX_BODY_BYTES) endWith(tooLarge(MAX_BODY_BYTES));
  });
  req.on("end", () => {
    lines.end();
    void queue.then(() => {
      if (!ended) {
        ended = true;
        res.end();
      }
    });
  });
  // The agent went away: nothing more to answer.
  res.on("close", () => {
    ended = true;
  });
}
