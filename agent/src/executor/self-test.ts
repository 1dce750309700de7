import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { Executor, JobLimits } from "./types";

export interface SelfTestCheck {
  name: "loopback" | "canaryFile" | "agentPid" | "setsidChild" | "memoryLimit" | "forkLimit";
  ok: boolean;
  detail: string;
}

export interface SelfTestReport {
  executor: Executor["kind"];
  ok: boolean;
  checks: SelfTestCheck[];
  /** Set when the canary job itself could not run. */
  error?: string;
}

/** Small caps for the canary: a job that gets past them would get past the node's real ones too. */
export const CANARY_LIMITS: JobLimits = { memoryBytes: 128 * 1024 ** 2, pids: 48, cpus: 1 };
const CANARY_ALLOCATION_MIB = 384;
const CANARY_FORKS = 120;

function canaryScript(p: {
  port: number;
  canaryPath: string;
  secret: string;
  agentPid: number;
  agentStart: string;
  marker: string;
}): string {
  return `
import os, socket, subprocess, sys, time
def report(k, v): print(f"CANARY {k}={v}", flush=True)
try:
    socket.create_connection(("127.0.0.1", ${p.port}), timeout=2).close(); report("loopback", "connected")
except OSError as e:
    report("loopback", "blocked")
try:
    report("canaryFile", "read" if ${JSON.stringify(p.secret)} in open(${JSON.stringify(p.canaryPath)}).read() else "blocked")
except OSError:
    report("canaryFile", "blocked")
try:
    stat = open("/proc/${p.agentPid}/stat").read()
    report("agentPid", "visible" if stat.rsplit(")", 1)[1].split()[19] == "${p.agentStart}" else "hidden")
except (OSError, IndexError):
    report("agentPid", "hidden")
r = subprocess.run([sys.executable, "-c", "b = b'x' * (${CANARY_ALLOCATION_MIB} * 1024 * 1024); print('allocated')"], capture_output=True, text=True)
report("memoryLimit", "exceeded" if "allocated" in r.stdout else "held")
forker = """
import os, time
n = 0
kids = []
for i in range(${CANARY_FORKS}):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(3); os._exit(0)
    kids.append(pid); n += 1
print(n, flush=True)
for k in kids:
    try: os.kill(k, 9)
    except OSError: pass
"""
r = subprocess.run([sys.executable, "-c", forker], capture_output=True, text=True)
forks = int(r.stdout.strip() or 0)
report("forkLimit", "exceeded" if forks >= ${CANARY_FORKS} else f"held:{forks}")
# A double-forked, setsid'd sleeper that tries to outlive the job.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", "${p.marker}"])
    os._exit(0)
time.sleep(0.3)
report("done", "yes")
`;
}

/** Field 22 of /proc/<pid>/stat: start time, so a reused pid number is not mistaken for ours. */
function startTimeOf(pid: number | "self"): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

/** Host pids whose command line carries `marker`. */
export function pidsWithArgument(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(marker)) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/**
 * One canary job through `executor`, checked from outside: it must not reach
 * a loopback listener of the agent, read a 0600 file beside the agent config,
 * see the agent's process, leave a setsid'd child behind, or get past a small
 * memory and process limit. `canaryDir` is the agent config's directory.
 */
export async function runSelfTest(executor: Executor, canaryDir: string): Promise<SelfTestReport> {
  const listener = net.createServer((s) => s.destroy());
  let connections = 0;
  listener.on("connection", () => connections++);
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const port = (listener.address() as net.AddressInfo).port;
  await mkdir(canaryDir, { recursive: true, mode: 0o700 });
  const canaryPath = path.join(canaryDir, `.computeswarm-canary-${randomBytes(6).toString("hex")}`);
  const secret = randomBytes(16).toString("hex");
  await writeFile(canaryPath, secret, { mode: 0o600 });
  const marker = `computeswarm-canary-${randomBytes(6).toString("hex")}`;
  const answers = new Map<string, string>();
  let error: string | undefined;
  try {
    if (!executor.supportedJobTypes().includes("python"))
      throw new Error("the self-test needs python3 inside the sandbox");
    const result = await executor.run({
      jobId: randomUUID(),
      jobType: "python",
      script: canaryScript({
        port,
        canaryPath,
        secret,
        agentPid: process.pid,
        agentStart: startTimeOf("self"),
        marker,
      }),
      maxDurationSeconds: 60,
      limits: CANARY_LIMITS,
    });
    for (const m of result.output.matchAll(/^CANARY (\w+)=(\S+)$/gm)) answers.set(m[1]!, m[2]!);
    if (!answers.has("done"))
      error = `the canary job did not finish (exit ${result.exitCode}): ${result.output.slice(-500).trim()}`;
  } catch (err) {
    error = (err as Error).message;
  } finally {
    listener.close();
    await rm(canaryPath, { force: true });
  }
  // Give the executor's cleanup a moment; a survivor is still there after it.
  await new Promise((r) => setTimeout(r, 500));
  const survivors = pidsWithArgument(marker);
  for (const pid of survivors) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  const answer = (k: string) => answers.get(k) ?? "no answer";
  const checks: SelfTestCheck[] = [
    {
      name: "loopback",
      ok: answer("loopback") === "blocked" && connections === 0,
      detail: `connect to the agent's 127.0.0.1:${port}: ${answer("loopback")}`,
    },
    {
      name: "canaryFile",
      ok: answer("canaryFile") === "blocked",
      detail: `read a 0600 file beside the agent config: ${answer("canaryFile")}`,
    },
    {
      name: "agentPid",
      ok: answer("agentPid") === "hidden",
      detail: `see the agent's process (pid ${process.pid}): ${answer("agentPid")}`,
    },
    {
      name: "setsidChild",
      ok: answers.has("done") && survivors.length === 0,
      detail: survivors.length
        ? `a setsid'd child outlived the job (pids ${survivors.join(", ")}; killed now)`
        : "no setsid'd child outlived the job",
    },
    {
      name: "memoryLimit",
      ok: answer("memoryLimit") === "held",
      detail: `allocate ${CANARY_ALLOCATION_MIB} MiB under a ${CANARY_LIMITS.memoryBytes / 1024 ** 2} MiB limit: ${answer("memoryLimit")}`,
    },
    {
      name: "forkLimit",
      ok: answer("forkLimit").startsWith("held"),
      detail: `start ${CANARY_FORKS} processes under a limit of ${CANARY_LIMITS.pids}: ${answer("forkLimit")}`,
    },
  ];
  return { executor: executor.kind, ok: !error && checks.every((c) => c.ok), checks, error };
}

/** The report as lines for a terminal or a refusal message. */
export function formatSelfTest(report: SelfTestReport): string {
  const lines = [`sandbox self-test (${report.executor}): ${report.ok ? "passed" : "FAILED"}`];
  if (report.error) lines.push(`  error: ${report.error}`);
  for (const c of report.checks) lines.push(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  return lines.join("\n");
}
