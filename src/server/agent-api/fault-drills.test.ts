import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { x402Client } from "@x402/core/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { AuthCaptureEvmScheme } from "@x402/evm/auth-capture/client";
import type { Address } from "viem";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { anvilWallet, startTestChain, type TestChain } from "@/test/chain";
import { startOwnRedis, type OwnRedis } from "@/test/redis-server";
import { startTcpProxy, type TcpProxy } from "@/test/tcp-proxy";
import { ensureAgentBuilt, registerAgent, type AgentProcess } from "@/test/agent-cli";
import { eventually } from "@/test/market";
import { startWatchdog, watchdogTick } from "../services/jobs/watchdog";
import { startSettlementWorker } from "../services/payments/settlement-worker";
import { flushHeartbeats } from "../services/nodes/heartbeat";
import { getChain } from "../payments/chain-service";

/**
 * Fault drills end to end: real agents (the CLI, process executor), an own
 * redis-server killed with SIGKILL, PostgreSQL behind a proxy the drill
 * refuses, the marketplace itself taken down longer than the heartbeat TTL, an
 * agent SIGKILLed with a finished result in its spool, and a stock x402 buyer
 * paying on a real chain. Each drill must lose no finished work: every paid
 * job completes, every payment is settled once, on chain.
 */
const TTL_SECONDS = 4;
let chain: TestChain;
let redis: OwnRedis;
let pgProxy: TcpProxy | undefined;
let deps: TestDeps;
let work: string;
let marketplace: { url: string; port: number; close(): Promise<void> } | undefined;
let stopLoops: (() => Promise<void>) | undefined;
let a: AgentProcess;
let b: AgentProcess;
const buyer = anvilWallet(5);
const drilled: { jobId: string; nodeId: string }[] = [];

/** The marketplace process: HTTP, watchdog, settlement worker, heartbeat flusher. */
async function marketplaceUp(port?: number) {
  marketplace = await startTestServer(deps, { port });
  // The worst order after a return: the watchdog looks before any agent has beaten again.
  await watchdogTick(deps);
  const stopWatchdog = startWatchdog(deps);
  const stopSettlement = startSettlementWorker(deps);
  const flusher = setInterval(() => void flushHeartbeats(deps).catch(() => {}), 200);
  stopLoops = async () => {
    clearInterval(flusher);
    stopWatchdog();
    await stopSettlement();
  };
}
async function marketplaceDown() {
  await marketplace?.close(); // first: from this instant no agent gets through
  await stopLoops?.();
  stopLoops = undefined;
}

beforeAll(async () => {
  ensureAgentBuilt();
  chain = await startTestChain();
  redis = await startOwnRedis();
  if (process.env.DATABASE_URL) {
    const pg = new URL(process.env.DATABASE_URL);
    pgProxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
  }
  deps = await createTestDeps(
    {
      REDIS_URL: redis.url,
      RPC_URL: chain.rpcUrl,
      HEARTBEAT_TTL_SECONDS: String(TTL_SECONDS),
      WATCHDOG_INTERVAL_MS: "250",
      SETTLEMENT_INTERVAL_MS: "200",
      DATABASE_CONNECT_TIMEOUT_MS: "1000",
      DATABASE_STATEMENT_TIMEOUT_MS: "2000",
    },
    pgProxy ? { databaseVia: pgProxy } : {},
  );
  await getChain(deps);
  await chain.mint(buyer.address, 100_000_000n);
  await marketplaceUp();
  work = await mkdtemp(path.join(tmpdir(), "cs-drills-"));
  [a, b] = await Promise.all([
    registerAgent(work, "a", marketplace!.url, { price: "3.60" }),
    registerAgent(work, "b", marketplace!.url, { price: "3.60" }),
  ]);
  a.start();
  b.start();
  await Promise.all([a, b].map((agent) => nodeStatusIs(agent.nodeId, "available", 20_000)));
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await marketplaceDown();
  await pgProxy?.up();
  await deps?.cleanup().catch(() => {});
  await pgProxy?.close();
  await redis?.stop();
  await chain?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function nodeStatusIs(nodeId: string, status: string, timeoutMs = 10_000) {
  await eventually(
    async () => {
      const res = await fetch(
        `${marketplace!.url}/api/trpc/nodes.get?input=${encodeURIComponent(JSON.stringify({ json: { id: nodeId } }))}`,
      ).catch(() => undefined);
      if (res?.status !== 200) return false;
      return ((await res.json()) as { result: { data: { json: { status: string } } } }).result.data.json.status ===
        status
        ? true
        : false;
    },
    timeoutMs,
    100,
  );
}

/** A stock x402 client buys a job: 402, sign, 201. */
async function buyJob(nodeId: string, script: string) {
  const client = new x402Client().register("eip155:*", new AuthCaptureEvmScheme(buyer));
  client.setSpendControls({ allowedAssets: [{ network: "eip155:31337", asset: chain.usdc }] });
  const res = await wrapFetchWithPayment(fetch, client)(`${marketplace!.url}/api/x402/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ nodeId, jobType: "python", script, maxDurationSeconds: 60 }),
  });
  expect(res.status).toBe(201);
  const { jobId } = (await res.json()) as { jobId: string };
  drilled.push({ jobId, nodeId });
  return jobId;
}

/**
 * The agent itself has the job (not only the database: a claim answered into a
 * connection the drill then cuts would leave a job the agent never heard of).
 */
async function runningOn(agent: AgentProcess, jobId: string) {
  await eventually(async () => agent.log().includes(`"msg":"job started","jobId":"${jobId}"`), 20_000, 50);
  expect(await statusOf(jobId)).toBe("running");
}

const jobRow = (id: string) => deps.prisma.job.findUniqueOrThrow({ where: { id }, include: { payment: true } });
const statusOf = async (id: string) => (await jobRow(id)).status;
const slowScript = (seconds: number) =>
  `import time\nprint('working', flush=True)\ntime.sleep(${seconds})\nprint('done', flush=True)`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job completed with its output, and the seconds it used were captured from the escrow (not voided). */
async function expectDeliveredAndPaid(jobId: string, timeoutMs = 40_000) {
  await eventually(async () => (await jobRow(jobId)).payment?.status === "captured", timeoutMs, 100);
  const job = await jobRow(jobId);
  expect(job).toMatchObject({ status: "completed", exitCode: 0, failureReason: null, failureCause: null });
  expect(job.output).toContain("done");
  expect(Number(job.payment!.capturedAtomic)).toBeGreaterThan(0);
}

describe("fault drills", () => {
  it("Redis killed with SIGKILL mid-job and back empty: the running job completes and is paid; submissions meanwhile are 503, not 500", async () => {
    const jobId = await buyJob(a.nodeId, slowScript(3));
    await runningOn(a, jobId);
    await redis.kill();
    const during = await fetch(`${marketplace!.url}/api/x402/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ nodeId: a.nodeId, jobType: "python", script: "print(1)", maxDurationSeconds: 60 }),
    });
    expect(during.status).toBe(503);
    expect(during.headers.get("retry-after")).toBeTruthy();
    await sleep(1_500);
    await redis.start(); // empty: no heartbeat, no lease, no cache
    await expectDeliveredAndPaid(jobId);
    await nodeStatusIs(a.nodeId, "available");
    expect(a.log()).not.toMatch(/refused the job report/);
  }, 60_000);

  it("the marketplace down for longer than the heartbeat TTL while a job finishes: its result is accepted and paid", async () => {
    const jobId = await buyJob(a.nodeId, slowScript(3));
    await runningOn(a, jobId);
    const port = marketplace!.port;
    const downAt = Date.now();
    await marketplaceDown();
    try {
      // The job ends during the outage; the agent spools its result and keeps retrying.
      await eventually(async () => (await a.spooled()).length === 1, 15_000, 100);
      await sleep(Math.max(0, downAt + TTL_SECONDS * 1000 * 2 + 1_000 - Date.now()));
    } finally {
      await marketplaceUp(port);
    }
    await expectDeliveredAndPaid(jobId);
    expect(await a.spooled()).toEqual([]);
  }, 60_000);

  it("an agent SIGKILLed with a finished result in its spool, restarted: the result is delivered before it claims again", async () => {
    await nodeStatusIs(b.nodeId, "available");
    const jobId = await buyJob(b.nodeId, slowScript(3));
    const next = await buyJob(b.nodeId, "print('done')");
    await runningOn(b, jobId);
    const port = marketplace!.port;
    await marketplaceDown();
    try {
      await eventually(async () => (await b.spooled()).length === 1, 15_000, 100);
      await b.kill("SIGKILL");
      // Restarted while the marketplace is still away (a loaded machine's node start is no part of the drill).
      b.start();
      await eventually(async () => b.log().split('"msg":"agent started"').length === 3, 20_000, 100); // its 2nd start
    } finally {
      await marketplaceUp(port);
    }
    await expectDeliveredAndPaid(jobId);
    await expectDeliveredAndPaid(next);
    expect(b.log()).toMatch(/resending job reports from an earlier run/);
  }, 60_000);

  it.skipIf(!process.env.DATABASE_URL)(
    "PostgreSQL refused while a job runs and finishes: the agent's report waits it out; the job completes and is paid",
    async () => {
      await nodeStatusIs(a.nodeId, "available");
      const jobId = await buyJob(a.nodeId, slowScript(1));
      await runningOn(a, jobId);
      await pgProxy!.refuse();
      await sleep(TTL_SECONDS * 1000 + 2_000);
      await pgProxy!.up();
      await expectDeliveredAndPaid(jobId);
    },
    60_000,
  );

  it("in all: every paid job completed once, every payment settled once, sellers paid exactly what was settled", async () => {
    const jobs = await deps.prisma.job.findMany({ include: { payment: true } });
    expect(jobs.length).toBe(drilled.length);
    expect(jobs.filter((j) => j.status !== "completed")).toEqual([]);
    const confirmed = jobs.filter((j) => j.payment?.status === "captured");
    expect(confirmed).toHaveLength(drilled.length);
    for (const agent of [a, b]) {
      const node = await deps.prisma.node.findUniqueOrThrow({ where: { id: agent.nodeId } });
      const owed = confirmed
        .filter((j) => j.nodeId === agent.nodeId)
        .reduce((sum, j) => sum + BigInt(j.payment!.capturedAtomic!.toFixed(0)), 0n);
      expect(await chain.balance(node.sellerAddress as Address)).toBe(owed);
    }
  });
});
