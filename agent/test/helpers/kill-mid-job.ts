import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const agentRoot = fileURLToPath(new URL("../..", import.meta.url));
const runner = fileURLToPath(new URL("./run-one-job.ts", import.meta.url));

/** Starts runOneJob in its own process, waits until the job prints `ready`, then SIGKILLs that process. */
export async function sigkillMidJob(spec: { kind: "docker" | "bwrap"; options: unknown; job: unknown }) {
  // Node itself with tsx's loader: the `tsx` binary would be a wrapper process, and killing it would not kill the agent.
  const child = spawn(process.execPath, ["--import", "tsx", runner, JSON.stringify(spec)], {
    cwd: agentRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => b.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`job runner exited ${code} before the job started: ${err}`)));
  });
  process.kill(child.pid!, "SIGKILL");
  await new Promise((r) => child.on("exit", r));
}
