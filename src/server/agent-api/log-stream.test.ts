import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { callerFor } from "@/test/caller";
import { agentHttp, registerOverHttp } from "@/test/agent-http";
import { newSeller, signedRegistration, siweSignIn } from "@/test/factories";
import { ndjsonLines } from "@computeswarm/protocol";
import { subscribe } from "../services/events/bus";
import { flushJobLogs } from "../services/jobs/log-buffer";

/** POST /api/agent/v2/jobs/:id/logs/stream over a real socket: one long request, one answer line per chunk. */
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
let buyerCookie = "";

beforeAll(async () => {
  deps = await createTestDeps();
  server = await startTestServer(deps);
  const buyer = privateKeyToAccount(generatePrivateKey());
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(buyer, nonce));
  buyerCookie = resHeaders.get("set-cookie")!.split(";")[0]!;
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
});

const buyerApi = async () => (await callerFor(deps, { headers: { cookie: buyerCookie } })).caller;

/** A registered node with one running job. */
async function runningJob() {
  const { nodeId, agentToken } = await registerOverHttp(
    deps,
    await signedRegistration(newSeller(), { pricePerHour: "0" }),
  );
  const agent = agentHttp(deps, agentToken);
  await agent.agent.heartbeat({});
  await (await buyerApi()).jobs.submit({ nodeId, jobType: "python", script: "print(1)", maxDurationSeconds: 60 });
  const { job } = await agent.agent.claim({ waitSeconds: 0 });
  return { nodeId, agentToken, agent, jobId: job!.id };
}

/** An open stream: write raw text, read the answer's status and lines as they come. */
function openStream(baseUrl: string, jobId: string, token?: string) {
  const url = new URL(`/api/agent/v2/jobs/${jobId}/logs/stream`, baseUrl);
  const req = request(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-ndjson",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  req.on("error", () => {}); // the server may close first after refusing
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  const response = new Promise<{ status: number; reason: unknown }>((resolve, reject) => {
    req.on("response", (res) => {
      res.setEncoding("utf8");
      let body = "";
      const split = ndjsonLines((line) => lines.push(line));
      res.on("data", (t: string) => {
        body += t;
        split.push(t);
        waiters.splice(0).forEach((w) => w());
      });
      res.on("end", () => {
        done = true;
        waiters.splice(0).forEach((w) => w());
      });
      const reason = () => {
        try {
          return (JSON.parse(body) as { error?: { reason?: unknown } }).error?.reason;
        } catch {
          return undefined;
        }
      };
      if (res.statusCode === 200) resolve({ status: 200, reason: undefined });
      else res.on("end", () => resolve({ status: res.statusCode ?? 0, reason: reason() }));
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return {
    write: (text: string) => req.write(text),
    send: (chunk: unknown) => req.write(`${JSON.stringify(chunk)}\n`),
    end: () => req.end(),
    response,
    /** Resolves once `n` answer lines came (parsed), or the answer ended. */
    async lines(n: number) {
      while (lines.length < n && !done) await new Promise<void>((r) => waiters.push(r));
      return lines.slice(0, n).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    ended: async () => {
      while (!done) await new Promise<void>((r) => waiters.push(r));
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

describe("agent log stream", () => {
  it("acks each chunk in order, stores each (stream, seq) once, and publishes it live", async () => {
    const { agentToken, jobId } = await runningJob();
    const live: unknown[] = [];
    const unsubscribe = await subscribe(deps, `job:${jobId}`, (m) => live.push(m));
    const s = openStream(server.url, jobId, agentToken);
    expect((await s.response).status).toBe(200);
    s.send({ seq: 0, stream: "stdout", data: "hello " });
    expect(await s.lines(1)).toEqual([{ seq: 0, stream: "stdout", dropped: false }]);
    // A line split across writes, inside a multi-byte character, and two lines in one write.
    const line = `${JSON.stringify({ seq: 1, stream: "stderr", data: "größe ✓\n" })}\n`;
    const bytes = Buffer.from(line);
    const cut = bytes.indexOf(Buffer.from("ö")) + 1;
    s.write(bytes.subarray(0, cut) as unknown as string);
    await new Promise((r) => setTimeout(r, 20));
    s.write(bytes.subarray(cut) as unknown as string);
    s.write(
      `${JSON.stringify({ seq: 2, stream: "stdout", data: "world" })}\n${JSON.stringify({ seq: 2, stream: "stdout", data: "world" })}\n`,
    );
    s.end();
    expect(await s.ended()).toEqual([
      { seq: 0, stream: "stdout", dropped: false },
      { seq: 1, stream: "stderr", dropped: false },
      { seq: 2, stream: "stdout", dropped: false },
      { seq: 2, stream: "stdout", dropped: false },
    ]);
    await flushJobLogs(deps, jobId);
    const logs = await (await buyerApi()).jobs.logs({ id: jobId });
    expect(logs.map((l) => [l.seq, l.stream, l.data])).toEqual([
      [0, "stdout", "hello "],
      [1, "stderr", "größe ✓\n"],
      [2, "stdout", "world"],
    ]);
    // The retried chunk is not published twice either.
    await vi.waitFor(() => expect(live).toHaveLength(3));
    await unsubscribe();
  });

  it("refuses before streaming as /logs refuses: no token 401, bad id 400, another node's job 404, a finished job 409", async () => {
    const mine = await runningJob();
    const other = await runningJob();
    const cases: [string, string, string | undefined, number, string | undefined][] = [
      ["no token", mine.jobId, undefined, 401, undefined],
      ["bad id", "not-a-uuid", mine.agentToken, 400, "invalid_input"],
      ["another node's job", other.jobId, mine.agentToken, 404, "job_not_found"],
    ];
    await other.agent.agent.complete({
      jobId: other.jobId,
      exitCode: 0,
      output: "",
      outputTruncated: false,
      durationMs: 1,
      timedOut: false,
    });
    cases.push(["a finished job", other.jobId, other.agentToken, 409, "job_not_running"]);
    for (const [label, jobId, token, status, reason] of cases) {
      const s = openStream(server.url, jobId, token);
      s.send({ seq: 0, stream: "stdout", data: "x" });
      const r = await s.response;
      s.end();
      expect([label, r.status]).toEqual([label, status]);
      if (reason !== undefined) expect([label, r.reason]).toEqual([label, reason]);
    }
    await flushJobLogs(deps);
    expect(await deps.prisma.jobLog.count({ where: { jobId: { in: [mine.jobId, other.jobId] } } })).toBe(0);
  });

  it("ends the stream with an error line on a bad chunk, and keeps nothing after it", async () => {
    const cases: [string, number, string][] = [
      ["{not json", 400, "bad_json"],
      [JSON.stringify({ seq: 0, stream: "stdout", data: "a\u0000b" }), 400, "invalid_input"],
      [JSON.stringify({ seq: 2 ** 31, stream: "stdout", data: "x" }), 400, "invalid_input"],
      [JSON.stringify({ seq: 0, stream: "stdin", data: "x" }), 400, "invalid_input"],
    ];
    for (const [bad, status, reason] of cases) {
      const { agentToken, jobId } = await runningJob();
      const s = openStream(server.url, jobId, agentToken);
      s.send({ seq: 0, stream: "stdout", data: "ok" });
      s.write(`${bad}\n`);
      s.send({ seq: 5, stream: "stdout", data: "after" });
      const lines = await s.ended();
      s.end();
      expect(lines[0]).toEqual({ seq: 0, stream: "stdout", dropped: false });
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({ error: { status, reason } });
      await flushJobLogs(deps, jobId);
      expect((await deps.prisma.jobLog.findMany({ where: { jobId } })).map((l) => l.data)).toEqual(["ok"]);
    }
  });

  it("answers 413 in the stream to a line longer than a request body may be", async () => {
    const { agentToken, jobId } = await runningJob();
    const s = openStream(server.url, jobId, agentToken);
    const big = "x".repeat(256 * 1024);
    for (let i = 0; i < 9; i++) s.write(big);
    const lines = await s.ended();
    s.end();
    expect(lines).toEqual([expect.objectContaining({ error: expect.objectContaining({ status: 413 }) })]);
  });

  it("says 409 job_not_running on the next chunk once the job has ended", async () => {
    const { agentToken, agent, jobId } = await runningJob();
    const s = openStream(server.url, jobId, agentToken);
    s.send({ seq: 0, stream: "stdout", data: "one" });
    await s.lines(1);
    await agent.agent.fail({ jobId, reason: "node_error", message: "gone" });
    s.send({ seq: 1, stream: "stdout", data: "two" });
    const lines = await s.ended();
    s.end();
    expect(lines[1]).toMatchObject({ error: { status: 409, reason: "job_not_running" } });
  });

  it("checks the token again while streaming: one revoked mid-stream ends it with 401", async () => {
    const { nodeId, agentToken, jobId } = await runningJob();
    const s = openStream(server.url, jobId, agentToken);
    s.send({ seq: 0, stream: "stdout", data: "one" });
    await s.lines(1);
    // The seller replaced the node's token (a new registration): the old one names nothing now.
    await deps.prisma.node.update({ where: { id: nodeId }, data: { agentTokenHash: "0".repeat(64) } });
    deps.local.agentTokens = undefined;
    s.send({ seq: 1, stream: "stdout", data: "two" });
    expect(await s.lines(2)).toEqual([
      { seq: 0, stream: "stdout", dropped: false },
      { seq: 1, stream: "stdout", dropped: false },
    ]);
    deps.clock.advance(5_000);
    s.send({ seq: 2, stream: "stdout", data: "three" });
    const lines = await s.ended();
    s.end();
    expect(lines[2]).toMatchObject({ error: { status: 401, reason: "bad_agent_token" } });
  });

  it("is absent under Next's route handlers (next dev): 404 without a reason, so agents post to /logs", async () => {
    const next = await startTestServer(deps, { next: true });
    try {
      const { agentToken, jobId } = await runningJob();
      const s = openStream(next.url, jobId, agentToken);
      s.send({ seq: 0, stream: "stdout", data: "x" });
      s.end();
      const r = await s.response;
      expect(r.status).toBe(404);
      expect(r.reason ?? null).toBeNull();
    } finally {
      await next.close();
    }
  });
});
