import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { agentHttp, registerOverHttp } from "@/test/agent-http";
import { newSeller, signedRegistration, siweSignIn } from "@/test/factories";
import { watchdogPass, TIMEOUT_GRACE_SECONDS } from "../../services/jobs/watchdog";
import { subscribe } from "../../services/events/bus";

let deps: TestDeps;
const buyer = privateKeyToAccount(generatePrivateKey());
let buyerCookie: string;

async function signInBuyer() {
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(buyer, nonce));
  buyerCookie = resHeaders.get("set-cookie")!.split(";")[0]!;
}

beforeAll(async () => {
  deps = await createTestDeps({ QUEUED_JOB_OFFLINE_SECONDS: "120" });
  await signInBuyer();
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.payment.deleteMany();
  await deps.prisma.jobLog.deleteMany();
  await deps.prisma.job.deleteMany();
  await deps.prisma.node.deleteMany();
});

const asBuyer = async () => (await callerFor(deps, { headers: { cookie: buyerCookie } })).caller;
const asAgent = async (token: string) => agentHttp(deps, token);

async function freeNode(price = "0") {
  const reg = await registerOverHttp(deps, await signedRegistration(newSeller(), { pricePerHour: price }));
  const agent = await asAgent(reg.agentToken);
  await agent.agent.heartbeat({});
  return { ...reg, agent };
}

const job = (nodeId: string, script = "print('hello')", maxDurationSeconds = 60) => ({
  nodeId,
  jobType: "python" as const,
  script,
  maxDurationSeconds,
});

describe("job lifecycle", () => {
  it("queued → running → completed, with logs, output, counters and events", async () => {
    const node = await freeNode();
    const events: string[] = [];
    const buyerApi = await asBuyer();
    const submitted = await buyerApi.jobs.submit(job(node.nodeId));
    const unsubscribe = await subscribe(deps, `job:${submitted.id}`, (m) => events.push(JSON.parse(m).status ?? "log"));
    expect(submitted).toMatchObject({ status: "queued", costUsd: "0", buyerAddress: buyer.address });

    const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
    expect(claimed).toMatchObject({ id: submitted.id, script: "print('hello')", maxDurationSeconds: 60 });
    expect((await buyerApi.nodes.get({ id: node.nodeId })).status).toBe("busy");

    await node.agent.agent.appendLog({ jobId: submitted.id, seq: 0, stream: "stdout", data: "hello\n" });
    await node.agent.agent.appendLog({ jobId: submitted.id, seq: 0, stream: "stdout", data: "hello\n" }); // a retry
    await node.agent.agent.complete({ jobId: submitted.id, exitCode: 0, output: "hello\n", durationMs: 120 });
    // The agent retries its report until it hears back: the same outcome again is acknowledged.
    await expect(
      node.agent.agent.complete({ jobId: submitted.id, exitCode: 0, output: "hello\n", durationMs: 120 }),
    ).resolves.toMatchObject({
      status: "completed",
    });

    const done = await buyerApi.jobs.get({ id: submitted.id });
    expect(done).toMatchObject({ status: "completed", exitCode: 0, output: "hello\n", failureReason: null });
    expect(await buyerApi.jobs.logs({ id: submitted.id })).toMatchObject([{ seq: 0, data: "hello\n" }]);
    const nodeAfter = await buyerApi.nodes.get({ id: node.nodeId });
    expect(nodeAfter).toMatchObject({ status: "available", totalJobs: 1, reliability: 1 });
    // Discovery reads reliability in its page query; it agrees with the single-node read.
    const listed = await buyerApi.nodes.list({ status: "all", limit: 100 });
    expect(listed.items.find((n) => n.id === node.nodeId)?.reliability).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(["running", "log", "completed"]);
    await unsubscribe();
  });

  it("a non-zero exit is job_error; a job killed at its limit is timed_out", async () => {
    const node = await freeNode();
    const buyerApi = await asBuyer();
    const a = await buyerApi.jobs.submit(job(node.nodeId, "import sys; sys.exit(3)"));
    await node.agent.agent.claim({ waitSeconds: 0 });
    await node.agent.agent.complete({ jobId: a.id, exitCode: 3, output: "", durationMs: 5 });
    expect(await buyerApi.jobs.get({ id: a.id })).toMatchObject({
      status: "failed",
      failureReason: "job_error",
      exitCode: 3,
    });

    const b = await buyerApi.jobs.submit(job(node.nodeId, "import time; time.sleep(99)", 1));
    await node.agent.agent.claim({ waitSeconds: 0 });
    await node.agent.agent.complete({ jobId: b.id, exitCode: null, output: "", durationMs: 1000, timedOut: true });
    expect(await buyerApi.jobs.get({ id: b.id })).toMatchObject({ status: "timed_out", failureReason: "timed_out" });
    // A different outcome for a finished job is refused, so the agent stops retrying.
    await expect(
      node.agent.agent.complete({ jobId: b.id, exitCode: 0, output: "", durationMs: 1 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses jobs for offline, paused, suspended or incompatible nodes with a clear reason", async () => {
    const buyerApi = await asBuyer();
    const silent = await registerOverHttp(deps, await signedRegistration(newSeller(), { pricePerHour: "0" }));
    await expect(buyerApi.jobs.submit(job(silent.nodeId))).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("offline"),
    });
    const shellOnly = await registerOverHttp(
      deps,
      await signedRegistration(newSeller(), {
        pricePerHour: "0",
        gpuInfo: { model: "CPU", vramMiB: 0, gpuCount: 0, jobTypes: ["shell"] },
      }),
    );
    await (await asAgent(shellOnly.agentToken)).agent.heartbeat({});
    await expect(buyerApi.jobs.submit(job(shellOnly.nodeId))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("shell"),
    });
    const priced = await freeNode("1.00");
    await expect(buyerApi.jobs.submit(job(priced.nodeId))).rejects.toMatchObject({ code: "PAYMENT_REQUIRED" });
    await expect((await callerFor(deps)).caller.jobs.submit(job(priced.nodeId))).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(buyerApi.jobs.submit({ ...job(priced.nodeId), script: "x".repeat(300 * 1024) })).rejects.toMatchObject(
      { code: "BAD_REQUEST" },
    );
    expect(await deps.prisma.job.count()).toBe(0);
  });

  it("a claim waits and is woken at once when a job arrives", async () => {
    const node = await freeNode();
    const started = Date.now();
    const claim = node.agent.agent.claim({ waitSeconds: 10 });
    await new Promise((r) => setTimeout(r, 200));
    const submitted = await (await asBuyer()).jobs.submit(job(node.nodeId));
    const { job: claimed } = await claim;
    expect(claimed?.id).toBe(submitted.id);
    expect(Date.now() - started).toBeLessThan(3000);
    // With nothing queued, a short claim returns empty.
    expect((await node.agent.agent.claim({ waitSeconds: 1 })).job).toBeNull();
  });

  it("a node's token never claims or reports another node's job", async () => {
    const a = await freeNode();
    const b = await freeNode();
    const buyerApi = await asBuyer();
    const jobA = await buyerApi.jobs.submit(job(a.nodeId));
    expect((await b.agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    await a.agent.agent.claim({ waitSeconds: 0 });
    await expect(
      b.agent.agent.complete({ jobId: jobA.id, exitCode: 0, output: "forged", durationMs: 1 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      b.agent.agent.appendLog({ jobId: jobA.id, seq: 1, stream: "stdout", data: "x" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("cancels a queued job only, by its buyer", async () => {
    const node = await freeNode();
    const buyerApi = await asBuyer();
    const queued = await buyerApi.jobs.submit(job(node.nodeId));
    expect(await buyerApi.jobs.cancel({ id: queued.id })).toMatchObject({
      status: "cancelled",
      failureReason: "cancelled",
    });
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    const running = await buyerApi.jobs.submit(job(node.nodeId));
    await node.agent.agent.claim({ waitSeconds: 0 });
    await expect(buyerApi.jobs.cancel({ id: running.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("watchdog: overdue → timed_out, silent node → node_error, long-offline queue → node_error", async () => {
    const node = await freeNode();
    const buyerApi = await asBuyer();
    const overdue = await buyerApi.jobs.submit(job(node.nodeId, "x", 10));
    await node.agent.agent.claim({ waitSeconds: 0 });
    deps.clock.advance((10 + TIMEOUT_GRACE_SECONDS + 1) * 1000);
    await node.agent.agent.heartbeat({});
    expect(await watchdogPass(deps)).toMatchObject({ timedOut: 1, nodeErrors: 0 });
    expect(await buyerApi.jobs.get({ id: overdue.id })).toMatchObject({ status: "timed_out" });

    const orphan = await buyerApi.jobs.submit(job(node.nodeId));
    await node.agent.agent.claim({ waitSeconds: 0 });
    const waiting = await buyerApi.jobs.submit(job(node.nodeId));
    deps.clock.advance(61_000); // the agent went silent
    expect(await watchdogPass(deps)).toMatchObject({ nodeErrors: 1, expiredQueued: 0 });
    expect(await buyerApi.jobs.get({ id: orphan.id })).toMatchObject({ status: "failed", failureReason: "node_error" });
    deps.clock.advance(120_000);
    expect(await watchdogPass(deps)).toMatchObject({ expiredQueued: 1 });
    expect(await buyerApi.jobs.get({ id: waiting.id })).toMatchObject({
      status: "failed",
      failureReason: "node_error",
    });
    // A late report for a job failed for silence still completes it (the node did the work);
    // a report for a job that never started is refused.
    await node.agent.agent.complete({ jobId: orphan.id, exitCode: 0, output: "", durationMs: 1 });
    expect(await buyerApi.jobs.get({ id: orphan.id })).toMatchObject({ status: "completed", failureReason: null });
    await expect(
      node.agent.agent.complete({ jobId: waiting.id, exitCode: 0, output: "", durationMs: 1 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("50 jobs queued at once on 5 nodes, 5 agents claiming concurrently: each runs exactly once, on its own node", async () => {
    const nodes = await Promise.all(Array.from({ length: 5 }, () => freeNode()));
    const buyerApi = await asBuyer();
    const submitted = await Promise.all(
      Array.from({ length: 50 }, (_, i) => buyerApi.jobs.submit(job(nodes[i % 5]!.nodeId, `print(${i})`))),
    );
    const nodeOf = new Map(submitted.map((j) => [j.id, j.nodeId]));
    const claimed: string[] = [];
    async function agentLoop(node: (typeof nodes)[number]) {
      for (;;) {
        const { job: next } = await node.agent.agent.claim({ waitSeconds: 0 });
        if (!next) return;
        expect(nodeOf.get(next.id)).toBe(node.nodeId);
        claimed.push(next.id);
        await node.agent.agent.complete({ jobId: next.id, exitCode: 0, output: "", durationMs: 1 });
      }
    }
    await Promise.all(nodes.map(agentLoop));
    expect(claimed.sort()).toEqual(submitted.map((j) => j.id).sort());
    expect(await deps.prisma.job.count({ where: { status: "completed" } })).toBe(50);
  });

  it("loses nothing when Redis is wiped: the queue lives in PostgreSQL", async () => {
    const node = await freeNode();
    const buyerApi = await asBuyer();
    const queued = await buyerApi.jobs.submit(job(node.nodeId));
    await deps.resetRedis(); // heartbeats, caches, sessions of this test: all gone
    await node.agent.agent.heartbeat({});
    const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
    expect(claimed?.id).toBe(queued.id);
    await node.agent.agent.complete({ jobId: queued.id, exitCode: 0, output: "ok", durationMs: 3 });
    expect(await deps.prisma.job.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({
      status: "completed",
      output: "ok",
    });
    // Sessions are among what Redis may lose: the buyer signs in again.
    await expect((await asBuyer()).jobs.get({ id: queued.id })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await signInBuyer();
  });

  it("a paid job whose escrow would lapse before it could run and settle is never started, and is cancelled", async () => {
    const node = await freeNode();
    const queued = await (await asBuyer()).jobs.submit(job(node.nodeId, "print(1)", 600));
    // Its escrowed payment (written directly: this is about the queue, not the chain) can be captured
    // for 10 more minutes, less than 600 s of run plus the settlement margin.
    await deps.prisma.payment.create({
      data: {
        jobId: queued.id,
        fromAddress: buyer.address,
        toAddress: buyer.address,
        amountUsdc: "1",
        amountAtomic: "1000000",
        asset: "0x0000000000000000000000000000000000000001",
        network: "eip155:31337",
        nonce: `0x${"cd".repeat(32)}`,
        validAfter: new Date(0),
        validBefore: new Date(deps.clock.now().getTime() + 300_000),
        signedPayload: {},
        scheme: "auth-capture",
        status: "held",
        captureDeadline: new Date(deps.clock.now().getTime() + 600_000),
      },
    });
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    expect(await watchdogPass(deps)).toMatchObject({ expiredQueued: 1 });
    expect(await (await asBuyer()).jobs.get({ id: queued.id })).toMatchObject({
      status: "cancelled",
      failureReason: "cancelled",
    });
  });

  it("a paid job cannot be claimed while its payment is still being collected, and can once it is held", async () => {
    const node = await freeNode();
    const queued = await (await asBuyer()).jobs.submit(job(node.nodeId, "print(1)", 60));
    const payment = await deps.prisma.payment.create({
      data: {
        jobId: queued.id,
        fromAddress: buyer.address,
        toAddress: buyer.address,
        amountUsdc: "1",
        amountAtomic: "1000000",
        asset: "0x0000000000000000000000000000000000000001",
        network: "eip155:31337",
        nonce: `0x${"ef".repeat(32)}`,
        validAfter: new Date(0),
        validBefore: new Date(deps.clock.now().getTime() + 300_000),
        signedPayload: {},
        scheme: "auth-capture",
        status: "authorizing",
        captureDeadline: new Date(deps.clock.now().getTime() + 3_600_000),
      },
    });
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    await deps.prisma.payment.update({ where: { id: payment.id }, data: { status: "held" } });
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job?.id).toBe(queued.id);
  });

  it("a job left running by a restarted agent fails as node_error when the agent asks for work again", async () => {
    const node = await freeNode();
    const buyerApi = await asBuyer();
    const first = await buyerApi.jobs.submit(job(node.nodeId));
    await node.agent.agent.claim({ waitSeconds: 0, bootId: "boot-before-crash" });
    // The agent crashed and came back (a new process, a new boot id): it claims again without reporting.
    expect((await node.agent.agent.claim({ waitSeconds: 0, bootId: "boot-after-crash" })).job).toBeNull();
    expect(await buyerApi.jobs.get({ id: first.id })).toMatchObject({ status: "failed", failureReason: "node_error" });
    expect((await buyerApi.nodes.get({ id: node.nodeId })).reliability).toBe(0);
    const listed = await buyerApi.nodes.list({ status: "all", limit: 100 });
    expect(listed.items.find((n) => n.id === node.nodeId)?.reliability).toBe(0);
  });
});
