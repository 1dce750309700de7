import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeConfigFile } from "../src/config/config-file";
import {
  appendLogRequestSchema,
  claimRequestSchema,
  completeRequestSchema,
  heartbeatRequestSchema,
} from "@computeswarm/protocol";
import { buildCliBundle, cliEnv, runCli, until, type CliRun } from "./helpers/cli";
import { FakeMarketplace } from "./helpers/fake-marketplace";
import { isAlive, waitUntil } from "./helpers/processes";
import { tempDir } from "./helpers/temp-dir";

const NODE_ID = "22222222-2222-4222-8222-222222222222";
const TOKEN = "agent-token-xyz";

let cli: string;
let market: FakeMarketplace;
let dir: string;
let config: string;
const running: CliRun[] = [];

beforeAll(() => {
  cli = buildCliBundle();
});
beforeEach(async () => {
  dir = tempDir("cs-start-");
  config = path.join(dir, "agent.json");
  market = await new FakeMarketplace().start();
  await writeConfigFile(config, { marketplace: market.url, nodeId: NODE_ID, agentToken: TOKEN });
});
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  await market.stop();
});

function start(extra: string[] = [], env: Record<string, string> = {}): CliRun {
  const run = runCli(
    cli,
    [
      "start",
      "--config",
      config,
      ...(extra.includes("--executor") ? [] : ["--executor", "process"]),
      "--allow-unsandboxed",
      "--heartbeat-interval",
      "1",
      "--poll-wait",
      "1",
      ...extra,
    ],
    cliEnv(env),
  );
  running.push(run);
  return run;
}

const job = (script: string, over: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  jobType: "python",
  script,
  maxDurationSeconds: 20,
  ...over,
});

describe("computeswarm-agent start", () => {
  it("heartbeats, claims a job, streams its logs, reports the result, and exits 0 on SIGTERM", async () => {
    const j = job(
      "import sys, time\nprint('hello from the job', flush=True)\ntime.sleep(1.5)\nprint('to stderr', file=sys.stderr)\nsys.exit(3)\n",
    );
    market.jobs.push(j);
    const run = start();
    const complete = await until(() => market.find(`/jobs/${j.id}/complete`)[0], 20_000, "complete");
    const body = completeRequestSchema.parse(complete.body);
    expect(body).toMatchObject({ exitCode: 3, outputTruncated: false, timedOut: false });
    expect(body.output).toBe("hello from the job\nto stderr\n");

    const logs = market.find(`/jobs/${j.id}/logs`).map((r) => appendLogRequestSchema.parse(r.body));
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_, i) => i));
    expect(logs.map((l) => l.data).join("")).toBe(body.output);
    expect(logs[0]).toMatchObject({ stream: "stdout", data: "hello from the job\n" });
    // The first chunk went out while the job was still running (streamed, not at the end), over one log stream.
    expect(market.find(`/jobs/${j.id}/logs`)[0]!.at).toBeLessThan(complete.at - 1000);
    expect(market.streamsOpened).toEqual([`/jobs/${j.id}/logs`]);

    const beats = market.find("/heartbeat");
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((b) => b.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(beats.some((b) => heartbeatRequestSchema.parse(b.body).runningJobId === j.id)).toBe(true);
    // The boot id (one per agent process) lets the server tell this run's jobs from orphans of an earlier one.
    expect(claimRequestSchema.parse(market.find("/claim")[0]!.body)).toEqual({
      waitSeconds: 1,
      jobTypes: ["python", "shell"],
      bootId: expect.stringMatching(/^[\w-]{16,}$/),
    });

    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    const msgs = run.events().map((e) => e.msg);
    expect(msgs).toEqual(
      expect.arrayContaining([
        "agent started",
        "job started",
        "job finished",
        "shutting down: no new jobs",
        "agent stopped",
      ]),
    );
    expect(run.stdout()).not.toContain(TOKEN);
  });

  it("runs shell jobs and reports a timed-out job", async () => {
    const j = job("echo start\nsleep 30\n", { jobType: "shell", maxDurationSeconds: 1 });
    market.jobs.push(j);
    const run = start();
    const body = completeRequestSchema.parse(
      (await until(() => market.find(`/jobs/${j.id}/complete`)[0], 20_000, "complete")).body,
    );
    expect(body.timedOut).toBe(true);
    expect(body.output).toBe("start\n");
    expect(body.durationMs).toBeGreaterThanOrEqual(1000);
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("on SIGTERM lets a short job finish within the grace period and reports it", async () => {
    const j = job("import time\nprint('working', flush=True)\ntime.sleep(1.5)\nprint('done')\n");
    market.jobs.push(j);
    const run = start(["--shutdown-grace", "20"]);
    await run.waitForEvent("job started");
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    const body = completeRequestSchema.parse(market.find(`/jobs/${j.id}/complete`)[0]!.body);
    expect(body.exitCode).toBe(0);
    expect(body.output).toBe("working\ndone\n");
    expect(market.find("/fail")).toEqual([]);
    // No new claim after the signal.
    const signalledAt = Number(run.events().find((e) => e.msg === "shutting down: no new jobs")!.time);
    expect(market.find("/claim").filter((c) => c.at > signalledAt + 50)).toEqual([]);
  });

  it("on SIGTERM kills a job that outlasts the grace period, reports node_error, exits 0", async () => {
    const j = job(
      "import subprocess, time\np = subprocess.Popen(['sleep', '300'])\nprint(f'CHILD={p.pid}', flush=True)\ntime.sleep(300)\n",
    );
    market.jobs.push(j);
    const run = start(["--shutdown-grace", "1"]);
    const logged = await until(() => market.find(`/jobs/${j.id}/logs`)[0], 20_000, "first log chunk");
    const childPid = Number(/CHILD=(\d+)/.exec(String((logged.body as { data: string }).data))![1]);
    const t = Date.now();
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(market.find(`/jobs/${j.id}/fail`).map((r) => r.body)).toEqual([
      { reason: "node_error", message: "agent shutting down" },
    ]);
    expect(market.find(`/jobs/${j.id}/complete`)).toEqual([]);
    expect(await waitUntil(() => !isAlive(childPid))).toBe(true);
  });

  it("posts live logs one chunk at a time to a marketplace without the log stream", async () => {
    market.logStreamServed = false;
    const j = job("import time\nprint('one', flush=True)\ntime.sleep(0.8)\nprint('two', flush=True)\n");
    market.jobs.push(j);
    const run = start();
    const complete = await until(() => market.find(`/jobs/${j.id}/complete`)[0], 20_000, "complete");
    const logs = market.find(`/jobs/${j.id}/logs`).map((r) => appendLogRequestSchema.parse(r.body));
    expect(logs.map((l) => l.data).join("")).toBe("one\ntwo\n");
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_, i) => i));
    expect(completeRequestSchema.parse(complete.body).exitCode).toBe(0);
    // Tried once, refused, then plain POSTs for the rest of the job.
    expect(market.streamsOpened).toEqual([`/jobs/${j.id}/logs`]);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
  });

  it("reconnects with backoff when the marketplace is unreachable at first", async () => {
    const port = market.port;
    await market.stop();
    const j = job("print('late but fine')");
    const run = start();
    await run.waitForEvent("claim failed; retrying");
    await market.start(port);
    market.jobs.push(j);
    const body = completeRequestSchema.parse(
      (await until(() => market.find(`/jobs/${j.id}/complete`)[0], 20_000, "complete")).body,
    );
    expect(body.output).toBe("late but fine\n");
    expect(run.events().some((e) => e.msg === "marketplace reachable again")).toBe(true);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
  });

  it("never loses a result: retries /complete until acknowledged", async () => {
    const j = job("print('precious')");
    market.jobs.push(j);
    let refusals = 2;
    market.handler = (r) =>
      r.path.endsWith("/complete") && refusals-- > 0
        ? { status: 502, body: { error: { code: "bad_gateway", message: "upstream down" } } }
        : undefined;
    const run = start();
    await run.waitForEvent("job report acknowledged", 20_000);
    expect(market.find(`/jobs/${j.id}/complete`)).toHaveLength(3);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    const spool = path.join(dir, "pending-results", NODE_ID);
    expect(await readdir(spool)).toEqual([]);
  });

  it("sends reports an earlier run could not deliver", async () => {
    const jobId = randomUUID();
    const spool = path.join(dir, "pending-results", NODE_ID);
    await mkdir(spool, { recursive: true });
    const body = { exitCode: 0, output: "from last time\n", outputTruncated: false, durationMs: 5, timedOut: false };
    await writeFile(
      path.join(spool, `${jobId}.json`),
      JSON.stringify({ jobId, kind: "complete", body, createdAt: new Date().toISOString() }),
    );
    // The first resend fails (the marketplace is busy): the agent must still not claim before it lands.
    let attempts = 0;
    market.handler = (r) =>
      r.path === `/jobs/${jobId}/complete` && attempts++ === 0
        ? { status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "try again" } } }
        : undefined;
    const run = start();
    await until(() => market.find(`/jobs/${jobId}/complete`)[1], 10_000, "resent complete");
    expect(market.find(`/jobs/${jobId}/complete`)[1]!.body).toEqual(body);
    await until(() => market.find("/claim")[0], 10_000, "first claim");
    // A claim before the result would fail the job as orphaned by the restart.
    const order = market.requests.map((r) => r.path).filter((p) => p.endsWith("/complete") || p.endsWith("/claim"));
    expect(order.slice(0, 3)).toEqual([
      expect.stringMatching(/complete$/),
      expect.stringMatching(/complete$/),
      expect.stringMatching(/claim$/),
    ]);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    expect(await readdir(spool)).toEqual([]);
  });

  it("stops a job the marketplace no longer considers running (409 on logs)", async () => {
    const j = job("import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.2)\n");
    market.jobs.push(j);
    market.handler = (r) =>
      r.path === `/jobs/${j.id}/logs`
        ? { status: 409, body: { error: { code: "job_not_running", message: "job was cancelled" } } }
        : undefined;
    const run = start();
    await run.waitForEvent(/no longer running/, 20_000);
    await run.waitForEvent(/not reporting/, 10_000);
    expect(market.find(`/jobs/${j.id}/complete`)).toEqual([]);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
  });

  it("refuses the process executor without --allow-unsandboxed", async () => {
    const run = runCli(cli, ["start", "--config", config, "--executor", "process"], cliEnv());
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(/UNSANDBOXED.*--allow-unsandboxed/);
    expect(market.requests).toEqual([]);
  });

  it.skipIf(!existsSync("/usr/bin/bwrap"))(
    "picks bwrap by default, passes the self-test before claiming, and runs the job inside it",
    async () => {
      const j = job("import os\nprint('job uid', os.getuid(), 'cwd', os.getcwd(), flush=True)\n");
      const imaged = job("print('must not run')", { image: `pytorch/pytorch:2.5.1@sha256:${"a".repeat(64)}` });
      market.jobs.push(j, imaged);
      const run = runCli(cli, ["start", "--config", config, "--heartbeat-interval", "1", "--poll-wait", "1"], cliEnv());
      running.push(run);
      await run.waitForEvent("sandbox self-test passed", 30_000);
      const done = await until(() => market.find(`/jobs/${j.id}/complete`)[0], 30_000, "complete");
      expect((done.body as { output: string }).output).toContain("job uid 65534 cwd /work");
      expect(run.events().find((e) => e.msg === "agent started")).toMatchObject({ executor: "bwrap" });
      // A job naming an image this node did not advertise is refused, not run in some other runtime.
      const refused = await until(() => market.find(`/jobs/${imaged.id}/fail`)[0], 30_000, "fail");
      expect((refused.body as { message: string }).message).toMatch(/not one this node allows/);
      expect(market.find(`/jobs/${imaged.id}/complete`)).toEqual([]);
      // bwrap runs the node's own runtime: it advertises no images.
      expect(
        market.find("/heartbeat").some((r) => JSON.stringify((r.body as { images?: unknown }).images) === "[]"),
      ).toBe(true);
      run.child.kill("SIGTERM");
      expect(await run.exit).toBe(0);
    },
    60_000,
  );

  it("refuses to start when not registered", async () => {
    const run = runCli(
      cli,
      ["start", "--config", path.join(dir, "missing.json"), "--marketplace", market.url, "--allow-unsandboxed"],
      cliEnv(),
    );
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(/not registered.*register/);
  });
});

describe("computeswarm-agent status and gpus", () => {
  it("status shows the registration without the token", async () => {
    const run = runCli(cli, ["status", "--config", config], cliEnv());
    expect(await run.exit).toBe(0);
    const report = JSON.parse(run.stdout());
    expect(report).toMatchObject({
      registered: true,
      nodeId: NODE_ID,
      marketplace: market.url,
      marketplaceReachable: true,
      pendingResults: 0,
    });
    expect(run.stdout() + run.stderr()).not.toContain(TOKEN);
  });

  it.skipIf(!existsSync("/usr/bin/bwrap"))(
    "doctor prints the sandboxes and the passed self-test checks",
    async () => {
      const run = runCli(cli, ["doctor", "--config", config], cliEnv());
      expect(await run.exit).toBe(0);
      const out = run.stdout();
      expect(out).toMatch(/^bwrap: +works/m);
      expect(out).toMatch(/^executor: bwrap/m);
      expect(out).toMatch(/sandbox self-test \(bwrap\): passed/);
      for (const check of ["loopback", "canaryFile", "agentPid", "setsidChild", "memoryLimit", "forkLimit"])
        expect(out).toMatch(new RegExp(`ok +${check}:`));
    },
    60_000,
  );

  it.skipIf(!existsSync("/usr/bin/bwrap"))(
    "try runs one local script in the sandbox and prints the result",
    async () => {
      const script = path.join(dir, "hello.sh");
      await writeFile(script, 'echo "as $(id -u) in $PWD"; exit 4\n');
      const run = runCli(cli, ["try", script, "--config", config], cliEnv());
      expect(await run.exit).toBe(1);
      expect(JSON.parse(run.stdout())).toMatchObject({ executor: "bwrap", exitCode: 4, output: "as 65534 in /work\n" });
    },
    60_000,
  );

  it("doctor fails (exit 1) and says why for the process executor", async () => {
    const run = runCli(cli, ["doctor", "--config", config, "--executor", "process", "--allow-unsandboxed"], cliEnv());
    expect(await run.exit).toBe(1);
    expect(run.stdout()).toMatch(/FAIL canaryFile|FAIL loopback/);
    expect(run.stdout()).toMatch(/not a sandbox/);
  }, 60_000);

  it("gpus prints GpuInfo JSON (CPU-only without nvidia-smi)", async () => {
    const run = runCli(cli, ["gpus"], cliEnv());
    expect(await run.exit).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({ model: "CPU", vramMiB: 0, gpuCount: 0, cpuOnly: true });
  });
});

describe("when the agent itself dies", () => {
  it("an orphaned job still ends shortly after its time limit (timeout backstop)", async () => {
    const j = job(
      "import os, subprocess, time\np = subprocess.Popen(['sleep', '300'])\nprint(f'PIDS={os.getpid()},{p.pid}', flush=True)\ntime.sleep(300)\n",
      { maxDurationSeconds: 1 },
    );
    market.jobs.push(j);
    const run = start();
    const logged = await until(() => market.find(`/jobs/${j.id}/logs`)[0], 20_000, "first log chunk");
    const pids = /PIDS=(\d+),(\d+)/
      .exec(String((logged.body as { data: string }).data))!
      .slice(1)
      .map(Number);
    run.child.kill("SIGKILL");
    await run.exit;
    expect(pids.every(isAlive)).toBe(true); // the agent is gone, the job is not (yet)
    expect(await waitUntil(() => !pids.some(isAlive), 20_000)).toBe(true);
  }, 40_000);
});
