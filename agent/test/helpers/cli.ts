import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp-dir";

const agentRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Bundles the CLI exactly as `npm run build` does, into a temp dir, so tests run the real artifact. */
export function buildCliBundle(): string {
  const out = path.join(tempDir("cs-cli-"), "cli.js");
  const r = spawnSync(process.execPath, [path.join(agentRoot, "scripts/build.mjs"), out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}${r.stdout}`);
  return out;
}

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stdout parsed as JSON lines (non-JSON lines skipped). */
  events: () => Array<Record<string, unknown>>;
  exit: Promise<number | null>;
  waitForEvent: (msg: string | RegExp, timeoutMs?: number) => Promise<Record<string, unknown>>;
}

/** A minimal, deterministic environment: no real nvidia-smi, a throw-away HOME. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tempDir("cs-home-"),
    TMPDIR: tempDir("cs-tmp-"), // job work dirs land here, removed with the test's temp dirs
    LANG: "C.UTF-8",
    COMPUTESWARM_NVIDIA_SMI: "/nonexistent/nvidia-smi",
    ...extra,
  };
}

export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const events = () =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const waitForEvent = async (msg: string | RegExp, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = events().find((e) => (typeof msg === "string" ? e.msg === msg : msg.test(String(e.msg))));
      if (hit) return hit;
      if (Date.now() > end)
        throw new Error(`no "${msg}" event within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, stdout: () => out, stderr: () => err, events, exit, waitForEvent };
}

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
