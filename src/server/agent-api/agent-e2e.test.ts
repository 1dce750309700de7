import { spawn, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { callerFor } from "@/test/caller";
import { siweSignIn } from "@/test/factories";
import { startWatchdog } from "../services/jobs/watchdog";
import { subscribe } from "../services/events/bus";

/**
 * End to end: the real agent CLI (agent/dist/cli.js, process executor) as a
 * child process against the marketplace over HTTP, on the test's database.
 */
const CLI = path.resolve("agent/dist/cli.js");
// Never execFileSync the CLI against the server: the server runs in this process.
const run = promisify(execFile);
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
let work: string;
let stopWatchdog: () => void;
let buyerCookie: string;
const agents: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync("npm", ["run", "build", "-w", "agent"], { stdio: "ignore" });
  deps = await createTestDeps({ HEARTBEAT_TTL_SECONDS: "3", WATCHDOG_INTERVAL_MS: "250" });
  server = await startTestServer(deps);
  stopWatchdog = startWatchdog(deps);
  work = await mkdtemp(path.join(tmpdir(), "cs-agent-e2e-"));
  const buyer = privateKeyToAccount(generatePrivateKey());
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(buyer, nonce));
  buyerCookie = resHeaders.get("set-cookie")!.split(";")[0]!;
}, 120_000);

afterAll(async () => {
  for (const a of agents) a.kill("SIGKILL");
  stopWatchdog?.();
  await server?.close();
  await deps?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const buyerApi = async () => (await callerFor(deps, { headers: { cookie: buyerCookie } })).caller;

/** Registers a node with the CLI (key file) and starts its agent; resolves once it heartbeats. */
async function startAgent(name: string) {
  const dir = path.join(work, name);
  const keyFile = path.join(work, `${name}.key`);
  await writeFile(keyFile, generatePrivateKey(), { mode: 0o600 });
  const config = path.join(dir, "agent.json");
  const env = { ...process.env, TMPDIR: dir, COMPUTESWARM_LOG_LEVEL: "info" };
  await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
  await run(
    "node",
    [
      CLI,
      "register",
      "--marketplace",
      server.url,
      "--key-file",
      keyFile,
      "--price",
      "0",
      "--no-benchmark",
      "--config",
      config,
    ],
    { env },
  );
  const { nodeId } = JSON.parse((await run("node", [CLI, "status", "--config", config], { env })).stdout) as {
    nodeId: string;
  };
  const child = spawn(
    "node",
    [
      CLI,
      "start",
      "--config",
      config,
      "--executor",
      "process",
      "--allow-unsandboxed",
      "--heartbeat-interval",
      "1",
      "--poll-wait",
      "2",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  agents.push(child);
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  await waitFor(
    async () => (await (await buyerApi()).nodes.get({ id: nodeId })).status === "available",
    20_000,
    () => log,
  );
  return { nodeId, child, log: () => log };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, describe = () => "") {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting\n${describe()}`);
}

async function submit(nodeId: string, script: string, maxDurationSeconds = 30) {
  return (await buyerApi()).jobs.submit({ nodeId, jobType: "python", script, maxDurationSeconds });
}

async function finished(jobId: string, timeoutMs = 30_000) {
  const api = await buyerApi();
  let job = await api.jobs.get({ id: jobId });
  await waitFor(async () => {
    job = await api.jobs.get({ id: jobId });
    return ["completed", "failed", "timed_out", "cancelled"].includes(job.status);
  }, timeoutMs);
  return job;
}

describe("the real agent runs marketplace jobs", () => {
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;

  beforeAll(async () => {
    [a, b] = await Promise.all([startAgent("a"), startAgent("b")]);
  }, 60_000);

  it("a Python job goes queued → running → completed with its output and live logs", async () => {
    const job = await submit(
      a.nodeId,
      [
        "import os, sys",
        "print('hello from the GPU node', flush=True)",
        "open('result.txt', 'w').write('42')",
        "print('wrote', open('result.txt').read(), 'in', os.getcwd() != '/', flush=True)",
        "print('secret env leaked' if any('TOKEN' in k or 'KEY' in k for k in os.environ) else 'env clean')",
      ].join("\n"),
    );
    const statuses: string[] = [];
    const unsubscribe = await subscribe(deps, `job:${job.id}`, (m) => {
      const e = JSON.parse(m);
      if (e.type === "status") statuses.push(e.status);
    });
    const done = await finished(job.id);
    await unsubscribe();
    expect(done).toMatchObject({ status: "completed", exitCode: 0 });
    expect(done.output).toContain("hello from the GPU node");
    expect(done.output).toContain("wrote 42 in True");
    expect(done.output).toContain("env clean");
    expect(statuses).toEqual(["running", "completed"]);
    const logs = await (await buyerApi()).jobs.logs({ id: job.id });
    expect(logs.map((l) => l.data).join("")).toContain("hello from the GPU node");
    // The live log came over the agent's log stream, not a POST per chunk.
    const streamed = (await deps.metrics.requests.get()).values.filter(
      (v) => v.labels.procedure === "agent.v1.logs.stream" && v.labels.code === "OK",
    );
    expect(streamed.reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(logs.length);
  });

  it("exit code 3 is job_error; sleeping past the limit is timed_out", async () => {
    const failing = await submit(a.nodeId, "import sys\nprint('failing on purpose')\nsys.exit(3)");
    expect(await finished(failing.id)).toMatchObject({ status: "failed", failureReason: "job_error", exitCode: 3 });
    const slow = await submit(a.nodeId, "import time\nprint('sleeping', flush=True)\ntime.sleep(30)", 2);
    expect(await finished(slow.id)).toMatchObject({ status: "timed_out", failureReason: "timed_out" });
  });

  it("two agents on two nodes never take each other's jobs; 50 jobs queued at once each complete exactly once", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submit(i % 2 ? a.nodeId : b.nodeId, `print(${i})`)),
    );
    const done = await Promise.all(jobs.map((j) => finished(j.id, 90_000)));
    for (const [i, j] of done.entries()) {
      expect(j).toMatchObject({ status: "completed", nodeId: i % 2 ? a.nodeId : b.nodeId });
      expect(j.output?.trim()).toBe(String(i));
    }
    const claimed = await deps.prisma.job.count({
      where: { id: { in: jobs.map((j) => j.id) }, startedAt: { not: null } },
    });
    expect(claimed).toBe(50);
  }, 120_000);

  it("an agent killed with SIGKILL mid-job: the watchdog fails the job with node_error", async () => {
    const job = await submit(b.nodeId, "import time\nprint('working', flush=True)\ntime.sleep(60)", 120);
    await waitFor(async () => (await (await buyerApi()).jobs.get({ id: job.id })).status === "running", 20_000);
    b.child.kill("SIGKILL");
    const done = await finished(job.id, 20_000);
    expect(done).toMatchObject({ status: "failed", failureReason: "node_error" });
    expect((await (await buyerApi()).nodes.get({ id: b.nodeId })).status).toBe("offline");
  });
});
