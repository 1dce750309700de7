import { spawn, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { generatePrivateKey } from "viem/accounts";

/**
 * The real seller agent (agent/dist/cli.js, process executor) as a child
 * process: registered with its own key file, started, killed and started again
 * with the same config (and so the same result spool) as a crashed agent is.
 */
export const AGENT_CLI = path.resolve("agent/dist/cli.js");
// Never execFileSync the CLI against the server: the server runs in this process.
const run = promisify(execFile);

export function ensureAgentBuilt() {
  if (!existsSync(AGENT_CLI)) execFileSync("npm", ["run", "build", "-w", "agent"], { stdio: "ignore" });
}

export interface AgentProcess {
  nodeId: string;
  /** pid of the running `start` process. */
  pid(): number | undefined;
  child: ChildProcess;
  log(): string;
  /** Files in its result spool (finished jobs not yet acknowledged). */
  spooled(): Promise<string[]>;
  start(): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function registerAgent(
  work: string,
  name: string,
  marketplace: string,
  /** `nodeArgs`: extra `node` flags for `start` (e.g. `--import` a memory sampler). */
  opts: { price: string; heartbeatSeconds?: number; nodeArgs?: string[]; env?: Record<string, string> },
): Promise<AgentProcess> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  const keyFile = path.join(work, `${name}.key`);
  const key = generatePrivateKey();
  await writeFile(keyFile, key, { mode: 0o600 });
  const config = path.join(dir, "agent.json");
  const env = { ...process.env, TMPDIR: dir, COMPUTESWARM_LOG_LEVEL: "info", ...opts.env };
  await run(
    "node",
    [AGENT_CLI, "register", "--marketplace", marketplace, "--key-file", keyFile, "--price", opts.price].concat([
      "--no-benchmark",
      "--config",
      config,
    ]),
    { env },
  );
  const status = JSON.parse((await run("node", [AGENT_CLI, "status", "--config", config], { env })).stdout) as {
    nodeId: string;
  };
  let log = "";
  const agent: AgentProcess = {
    nodeId: status.nodeId,
    child: undefined as unknown as ChildProcess,
    pid: () => agent.child?.pid,
    log: () => log,
    spooled: async () => readdir(path.join(dir, "pending-results", status.nodeId)).catch(() => []),
    start() {
      const child = spawn(
        "node",
        [
          ...(opts.nodeArgs ?? []),
          AGENT_CLI,
          "start",
          "--config",
          config,
          "--executor",
          "process",
          "--allow-unsandboxed",
        ].concat(["--heartbeat-interval", String(opts.heartbeatSeconds ?? 1), "--poll-wait", "2"]),
        { env, stdio: ["ignore", "pipe", "pipe"] },
      );
      child.stdout?.on("data", (d) => (log += d));
      child.stderr?.on("data", (d) => (log += d));
      agent.child = child;
    },
    async kill(signal = "SIGKILL") {
      const c = agent.child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill(signal);
      await exited;
    },
  };
  return agent;
}
