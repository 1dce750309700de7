import { spawn, execFile, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { privateKeyToAccount } from "viem/accounts";
import {
  gpuInfoSchema,
  JOB_TYPES,
  signSellerMessage,
  type GpuInfo,
  type RegisterNodeMessage,
} from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { registerNode } from "../../services/nodes/register-node";
import { ourDeployment } from "../../services/nodes/seller-signatures";
import { isEmbeddedChain } from "../load";
import { DEMO_SELLER_PRIVATE_KEY } from "./demo-wallet";

/**
 * The embedded default's demo node: the real agent (agent/dist/cli.js) on this
 * machine, registered for the demo seller (anvil's standard account #2, offered
 * in the connect dialog as "Demo seller" on a loopback PUBLIC_URL), so a
 * newcomer can run a job end to end with nothing else. Only where the chain is
 * our own embedded anvil; restarted if it exits. Jobs run in the agent's bwrap
 * sandbox (which sees /usr and the job's own dir: not DATA_DIR, not the demo
 * agent's token); without bubblewrap only while the server listens on
 * loopback, unsandboxed, and not at all when it listens beyond.
 */
export const DEMO_PRICE_PER_HOUR = "0.60";
const run = promisify(execFile);

export function demoAgentEnabled(deps: Pick<Deps, "env">): boolean {
  return deps.env.DEMO_AGENT && isEmbeddedChain(deps.env);
}

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export type DemoSandbox = { executor: "bwrap" | "process"; warning?: string } | { off: string };

/** How the demo node may run strangers' jobs here, or why it must stay off. */
export function demoSandboxFor(i: { bwrapPath: string | null; listenHost: string; dataDir: string }): DemoSandbox {
  const dataDir = path.resolve(i.dataDir);
  if (dataDir === "/usr" || dataDir.startsWith("/usr/"))
    return {
      off: `demo node off: DATA_DIR (${dataDir}) is inside /usr, which the job sandbox shows read-only to jobs`,
    };
  if (i.bwrapPath) return { executor: "bwrap" };
  if (isLoopbackHost(i.listenHost))
    return {
      executor: "process",
      warning:
        "demo node runs jobs UNSANDBOXED (bubblewrap is not installed): acceptable only because the server listens on loopback; install bubblewrap",
    };
  return {
    off:
      `demo node off: the server listens on ${i.listenHost} (beyond loopback) and there is no sandbox ` +
      "(install bubblewrap: apt-get install bubblewrap), so anyone who can reach it could run code on this machine",
  };
}

function onPath(name: string, pathVar = process.env.PATH ?? ""): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    const candidate = path.join(dir || ".", name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

async function detectGpus(cli: string): Promise<GpuInfo> {
  try {
    const { stdout } = await run(process.execPath, [cli, "gpus"], { timeout: 20_000 });
    return gpuInfoSchema.parse(JSON.parse(stdout));
  } catch {
    return { model: "CPU", vramMiB: 0, gpuCount: 0, cpuOnly: true, jobTypes: [...JOB_TYPES] };
  }
}

/** What buyers see the demo node called (a seller-set name, like any node's). */
export const DEMO_NODE_NAME = "Demo node (this machine)";

/** The demo node's agent config (node id, token), registering the node on first start. */
async function ensureRegistered(deps: Deps, cli: string, configFile: string, marketplace: string) {
  if (existsSync(configFile)) {
    const config = JSON.parse(await readFile(configFile, "utf8")) as { nodeId?: string };
    if (config.nodeId && (await deps.prisma.node.findUnique({ where: { id: config.nodeId }, select: { id: true } })))
      return;
  }
  const seller = privateKeyToAccount(DEMO_SELLER_PRIVATE_KEY);
  const message: RegisterNodeMessage = {
    seller: seller.address,
    gpuInfo: await detectGpus(cli),
    pricePerHour: DEMO_PRICE_PER_HOUR,
    endpoint: "",
    name: DEMO_NODE_NAME,
    nonce: randomBytes(16).toString("hex"),
    expiry: Math.floor(deps.clock.now().getTime() / 1000) + 300,
  };
  const { nodeId, agentToken } = await registerNode(
    deps,
    await signSellerMessage(seller, ourDeployment(deps.env), "RegisterNode", message),
  );
  await mkdir(path.dirname(configFile), { recursive: true, mode: 0o700 });
  await writeFile(configFile, JSON.stringify({ marketplace, nodeId, agentToken, seller: seller.address }, null, 2), {
    mode: 0o600,
  });
  await chmod(configFile, 0o600);
  deps.log.info({ nodeId }, "demo node registered");
}

export async function startDemoAgent(deps: Deps): Promise<(() => void) | undefined> {
  if (!demoAgentEnabled(deps)) return undefined;
  const cli = path.resolve("agent/dist/cli.js");
  if (!existsSync(cli)) {
    deps.log.warn({ cli }, "demo agent not started: build the agent first (npm run build)");
    return undefined;
  }
  const sandbox = demoSandboxFor({ bwrapPath: onPath("bwrap"), listenHost: deps.env.HOST, dataDir: deps.env.DATA_DIR });
  if ("off" in sandbox) {
    deps.log.warn(sandbox.off);
    return undefined;
  }
  if (sandbox.warning) deps.log.warn(sandbox.warning);
  const marketplace = `http://127.0.0.1:${deps.env.PORT}`;
  const dir = path.resolve(deps.env.DATA_DIR, "demo-agent");
  const configFile = path.join(dir, "agent.json");
  await ensureRegistered(deps, cli, configFile, marketplace);

  let child: ChildProcess | undefined;
  let stopped = false;
  // Only PATH passes from our environment (to find python3): none of the app's secrets.
  const agentEnv = { PATH: process.env.PATH, HOME: dir, TMPDIR: dir, LANG: "C.UTF-8" } as unknown as NodeJS.ProcessEnv;
  const launch = () => {
    const proc = spawn(
      process.execPath,
      [
        cli,
        "start",
        "--config",
        configFile,
        "--marketplace",
        marketplace,
        "--executor",
        sandbox.executor,
        ...(sandbox.executor === "process" ? ["--allow-unsandboxed"] : []),
      ],
      { env: agentEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    proc.stdout.on("data", (d: Buffer) => deps.log.debug({ demoAgent: d.toString().trim() }));
    proc.stderr.on("data", (d: Buffer) => deps.log.warn({ demoAgent: d.toString().trim() }));
    proc.on("exit", (code) => {
      if (stopped) return;
      // 2: the agent refused to start (e.g. its sandbox failed the self-test); retrying would not help.
      if (code === 2) {
        deps.log.error({ code }, "demo agent refused to start (see its message above); demo node off");
        return;
      }
      deps.log.warn({ code }, "demo agent exited; restarting in 5 s");
      setTimeout(launch, 5000).unref();
    });
  };
  launch();
  const stop = () => {
    stopped = true;
    child?.kill("SIGTERM");
  };
  process.once("exit", stop);
  deps.log.info({ marketplace }, "demo agent started");
  return stop;
}
