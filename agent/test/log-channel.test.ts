import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MarketplaceClient } from "../src/marketplace/client";
import { isJobGoneError, MarketplaceHttpError, MarketplaceUnreachableError } from "../src/marketplace/errors";
import { JobLogChannel, type LogChunkBody } from "../src/marketplace/log-channel";
import { FakeMarketplace } from "./helpers/fake-marketplace";

const JOB = "6f1c8a52-3b8e-4d4e-9a3e-1f2b3c4d5e6f";
const TOKEN = "cs_test_token";
let market: FakeMarketplace;
const client = () => new MarketplaceClient({ baseUrl: market.url, agentToken: TOKEN, requestTimeoutMs: 2_000 });
const chunk = (seq: number, data = `line ${seq}\n`): LogChunkBody => ({ seq, stream: "stdout", data });
const sentBodies = () => market.find(`/jobs/${JOB}/logs`).map((r) => r.body);

/** A channel to a server that answers with `listener`; what it posts to /logs instead is collected. */
async function againstServer(
  listener: RequestListener,
  timeoutMs: number,
  test: (logs: JobLogChannel, posted: LogChunkBody[]) => Promise<void>,
) {
  const server: Server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const posted: LogChunkBody[] = [];
  const logs = new JobLogChannel({
    streamUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/agent/v2/jobs/${JOB}/logs/stream`,
    headers: {},
    timeoutMs,
    post: async (b) => void posted.push(b),
  });
  try {
    await test(logs, posted);
  } finally {
    logs.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

beforeEach(async () => {
  market = await new FakeMarketplace().start();
});
afterEach(async () => {
  await market.stop();
});

describe("JobLogChannel", () => {
  it("sends a job's chunks over one stream, each acked in order, with the agent's token", async () => {
    const logs = client().logChannel(JOB);
    for (let seq = 0; seq < 5; seq++)
      expect(await logs.send(chunk(seq))).toEqual({ seq, stream: "stdout", dropped: false });
    logs.close();
    expect(market.streamsOpened).toEqual([`/jobs/${JOB}/logs`]);
    expect(sentBodies()).toEqual([0, 1, 2, 3, 4].map((seq) => chunk(seq)));
    expect(market.find(`/jobs/${JOB}/logs`).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // No chunk went as its own POST.
    expect(market.requests.filter((r) => r.path === `/jobs/${JOB}/logs` && r.method !== "POST")).toEqual([]);
  });

  it("opens a new stream after maxSeconds and after the job was quiet idleSeconds", async () => {
    const c = client();
    const post = (b: LogChunkBody) => c.appendLog(JOB, b);
    const base = {
      streamUrl: `${market.url}/api/agent/v2/jobs/${JOB}/logs/stream`,
      headers: {},
      timeoutMs: 2_000,
      post,
    };
    const rotating = new JobLogChannel({ ...base, maxSeconds: 0.1 });
    await rotating.send(chunk(0));
    await rotating.send(chunk(1));
    await new Promise((r) => setTimeout(r, 150));
    await rotating.send(chunk(2));
    rotating.close();
    expect(market.streamsOpened).toHaveLength(2);

    const quiet = new JobLogChannel({ ...base, idleSeconds: 0.1 });
    await quiet.send(chunk(3));
    await new Promise((r) => setTimeout(r, 300));
    await quiet.send(chunk(4));
    quiet.close();
    expect(market.streamsOpened).toHaveLength(4);
    expect(sentBodies().map((b) => (b as LogChunkBody).seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it("posts each chunk to /logs where the marketplace has no stream (404 without a reason)", async () => {
    market.logStreamServed = false;
    const logs = client().logChannel(JOB);
    for (let seq = 0; seq < 3; seq++) expect(await logs.send(chunk(seq))).toMatchObject({ ok: true });
    logs.close();
    expect(market.streamsOpened).toHaveLength(1); // tried once, then plain POSTs
    expect(sentBodies()).toEqual([0, 1, 2].map((seq) => chunk(seq)));
  });

  it("posts each chunk when nothing comes back through the stream (a proxy holding the request body)", async () => {
    // Never answers until the body ends.
    await againstServer(
      (req) => req.resume(),
      200,
      async (logs, posted) => {
        await logs.send(chunk(0));
        await logs.send(chunk(1));
        expect(posted).toEqual([chunk(0), chunk(1)]);
      },
    );
  });

  it("does not give up the stream when the marketplace answered but is slow to ack: the chunk fails and is retried", async () => {
    const answersNeverAcks: RequestListener = (req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.flushHeaders();
      req.resume();
    };
    await againstServer(answersNeverAcks, 200, async (logs, posted) => {
      const err = await logs.send(chunk(0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MarketplaceUnreachableError);
      expect(posted).toEqual([]);
    });
  });

  it("reports the marketplace's refusal: a 409 in the stream means the job is gone, a 401 before it is not a fallback", async () => {
    market.handler = (r) =>
      r.path === `/jobs/${JOB}/logs` && (r.body as LogChunkBody).seq === 1
        ? { status: 409, body: { error: { code: "CONFLICT", message: "job is completed, not running" } } }
        : undefined;
    const logs = client().logChannel(JOB);
    await logs.send(chunk(0));
    const gone = await logs.send(chunk(1)).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(MarketplaceHttpError);
    expect(isJobGoneError(gone)).toBe(true);
    logs.close();

    const refusing: RequestListener = (req, res) => {
      req.resume();
      res.writeHead(401, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: { code: "UNAUTHORIZED", reason: "bad_token", message: "unknown agent token" } }));
    };
    await againstServer(refusing, 2_000, async (channel, posted) => {
      const err = await channel.send(chunk(0)).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      expect(posted).toEqual([]);
    });
  });
});
