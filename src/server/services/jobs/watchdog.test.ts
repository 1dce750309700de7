import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, signedInCaller, type Caller } from "@/test/market";
import { flushHeartbeats } from "../nodes/heartbeat";
import { regainSight, watchdogTick } from "./watchdog";

/**
 * The watchdog after it was blind: Redis came back empty, or the marketplace
 * was down longer than the heartbeat TTL. Healthy nodes keep their jobs, and a
 * node's late report of a job the server presumed lost still completes it.
 */
const TTL_MS = 60_000;
const INTERVAL_MS = 5_000;
let deps: TestDeps;
let buyer: Caller;

beforeAll(async () => {
  deps = await createTestDeps({ HEARTBEAT_TTL_SECONDS: "60", WATCHDOG_INTERVAL_MS: String(INTERVAL_MS) });
  buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.job.deleteMany();
  await deps.prisma.node.deleteMany();
  await deps.resetRedis();
});

/** The watchdog running on its interval for `ms` of (test) time, with `beat` called before each tick. */
async function runWatchdogFor(ms: number, beat: () => Promise<unknown> = async () => {}) {
  const total = { timedOut: 0, nodeErrors: 0, expiredQueued: 0 };
  for (let t = 0; t < ms; t += INTERVAL_MS) {
    deps.clock.advance(INTERVAL_MS);
    await beat();
    const r = await watchdogTick(deps);
    total.timedOut += r.timedOut;
    total.nodeErrors += r.nodeErrors;
    total.expiredQueued += r.expiredQueued;
  }
  return total;
}

async function runningJob() {
  const node = await onlineNode(deps, "0");
  const job = await buyer.jobs.submit(pythonJob(node.nodeId, 3600));
  expect((await node.agent.agent.claim({ waitSeconds: 0 })).job?.id).toBe(job.id);
  return { node, job };
}

describe("the watchdog after Redis came back empty", () => {
  it("fails no running job of a healthy node, restores its liveness from PostgreSQL, and judges again after one TTL", async () => {
    const { node, job } = await runningJob();
    await runWatchdogFor(30_000, () => node.agent.agent.heartbeat({}));
    await flushHeartbeats(deps);
    deps.clock.advance(10_000); // the last beat is 10 s old when Redis dies

    await deps.resetRedis(); // Redis restarted with nothing in it
    expect((await buyer.nodes.get({ id: node.nodeId })).status).toBe("offline");
    const first = await regainSight(deps);
    expect(first.regained).toBe("redis_empty");
    // What PostgreSQL last saw is back: the node reads busy, not offline, before its next beat.
    expect((await buyer.nodes.get({ id: node.nodeId })).status).toBe("busy");

    // Its beats are late (they had nowhere to land): one TTL of grace, then the next beat repairs everything.
    expect(await runWatchdogFor(TTL_MS - INTERVAL_MS)).toMatchObject({ nodeErrors: 0, timedOut: 0 });
    await node.agent.agent.heartbeat({});
    expect(await runWatchdogFor(TTL_MS, () => node.agent.agent.heartbeat({}))).toMatchObject({ nodeErrors: 0 });
    expect((await buyer.jobs.get({ id: job.id })).status).toBe("running");

    // Sight regained: a node that really stops beating is failed after one TTL.
    expect((await runWatchdogFor(TTL_MS + 2 * INTERVAL_MS)).nodeErrors).toBe(1);
    expect(await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "failed",
      failureReason: "node_error",
      failureCause: "agent_silent",
    });
  });
});

describe("the watchdog after a marketplace outage longer than the heartbeat TTL", () => {
  it("gives agents one TTL to reconnect before judging them", async () => {
    const { node, job } = await runningJob();
    await runWatchdogFor(20_000, () => node.agent.agent.heartbeat({}));
    deps.clock.advance(90_000); // no pass, no beat: the marketplace was down
    const sight = await regainSight(deps);
    expect(sight.regained).toBe("outage");
    // The agent's first beat comes 20 s after the return (its retry interval): nothing was failed meanwhile.
    expect(await runWatchdogFor(20_000)).toMatchObject({ nodeErrors: 0 });
    expect(await runWatchdogFor(60_000, () => node.agent.agent.heartbeat({}))).toMatchObject({ nodeErrors: 0 });
    expect((await buyer.jobs.get({ id: job.id })).status).toBe("running");
  });

  it("an agent that does not come back is failed one TTL after the return", async () => {
    const { node, job } = await runningJob();
    await runWatchdogFor(10_000, () => node.agent.agent.heartbeat({}));
    deps.clock.advance(120_000);
    expect(await runWatchdogFor(TTL_MS - INTERVAL_MS)).toMatchObject({ nodeErrors: 0 });
    expect(await runWatchdogFor(2 * INTERVAL_MS)).toMatchObject({ nodeErrors: 1 });
    expect((await buyer.jobs.get({ id: job.id })).status).toBe("failed");
  });
});

describe("a node's late report of a job the server presumed lost", () => {
  it("completes a job failed for silence, billed by the run time reported, counted once", async () => {
    const { node, job } = await runningJob();
    const started = (await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).startedAt!;
    await runWatchdogFor(TTL_MS + 3 * INTERVAL_MS); // sight established at the first pass; no beats since
    const failed = await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(failed).toMatchObject({ status: "failed", failureCause: "agent_silent" });
    const counted = await deps.prisma.node.findUniqueOrThrow({ where: { id: node.nodeId } });

    // Another node cannot claim it: to it the job does not exist.
    const other = await onlineNode(deps, "0");
    await expect(
      other.agent.agent.complete({ jobId: job.id, exitCode: 0, output: "x", durationMs: 1 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });

    await node.agent.agent.complete({ jobId: job.id, exitCode: 0, output: "late but done\n", durationMs: 42_000 });
    const done = await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done).toMatchObject({
      status: "completed",
      failureReason: null,
      failureCause: null,
      error: null,
      exitCode: 0,
      output: "late but done\n",
      durationMs: 42_000,
    });
    // It ended when it ran out, not when the report finally arrived.
    expect(done.completedAt!.getTime()).toBe(started.getTime() + 42_000);
    expect(await deps.prisma.node.findUniqueOrThrow({ where: { id: node.nodeId } })).toMatchObject({
      totalJobs: counted.totalJobs,
    });
    // Resent again: acknowledged, unchanged.
    await expect(
      node.agent.agent.complete({ jobId: job.id, exitCode: 0, output: "late but done\n", durationMs: 42_000 }),
    ).resolves.toMatchObject({ status: "completed" });
  });

  it("a failing script's late report makes it job_error; a node error the agent reported itself stays final", async () => {
    const first = await runningJob();
    await runWatchdogFor(TTL_MS + 3 * INTERVAL_MS);
    await first.node.agent.agent.complete({ jobId: first.job.id, exitCode: 2, output: "", durationMs: 5 });
    expect(await deps.prisma.job.findUniqueOrThrow({ where: { id: first.job.id } })).toMatchObject({
      status: "failed",
      failureReason: "job_error",
      exitCode: 2,
    });

    const second = await runningJob();
    await second.node.agent.agent.fail({ jobId: second.job.id, message: "sandbox could not start" });
    await expect(
      second.node.agent.agent.complete({ jobId: second.job.id, exitCode: 0, output: "", durationMs: 5 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("completes a job failed because its agent seemed to restart (its resent result lost the race to its claim)", async () => {
    const { node, job } = await runningJob();
    // The restarted agent (a new boot id) claims before its spooled result arrives: the job is failed as orphaned…
    expect((await node.agent.agent.claim({ waitSeconds: 0, bootId: "restarted-agent-boot-1" })).job).toBeNull();
    expect(await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "failed",
      failureCause: "agent_restarted",
    });
    // …and the result, arriving next, still completes it.
    await node.agent.agent.complete({ jobId: job.id, exitCode: 0, output: "42\n", durationMs: 10 });
    expect((await buyer.jobs.get({ id: job.id })).status).toBe("completed");
  });
});
