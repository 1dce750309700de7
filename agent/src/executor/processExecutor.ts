import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobType } from "../protocol/v1";
import { findExecutable } from "../util/findExecutable";
import { runCommand } from "../util/runCommand";
import { buildJobEnvironment } from "./jobEnvironment";
import { scriptFileName } from "./scriptFile";
import { superviseChild } from "./superviseChild";
import { ExecutorError, type ExecutionRequest, type ExecutionResult, type Executor } from "./types";

export interface ProcessExecutorOptions {
  maxOutputBytes: number;
  /** Absolute path of python3, or null when this machine has none. */
  pythonPath: string | null;
  bashPath: string | null;
  /** coreutils `timeout`, if present: a backstop that ends the job even if the agent itself dies. */
  timeoutPath?: string | null;
  workRoot?: string;
  killGraceMs?: number;
  parentEnv?: NodeJS.ProcessEnv;
}

/** How long past its limit an orphaned job (agent gone) may run before `timeout` ends it. */
const BACKSTOP_MARGIN_SECONDS = 10;

/**
 * Runs jobs as plain child processes of the agent's user: NOT a sandbox. The
 * seller opts in with --allow-unsandboxed. What it does give: a fresh temp dir,
 * a scrubbed environment, a hard time limit on the whole process tree, capped
 * output, and cleanup afterwards.
 */
export class ProcessExecutor implements Executor {
  readonly kind = "process" as const;

  constructor(private readonly opts: ProcessExecutorOptions) {}

  supportedJobTypes(): JobType[] {
    const types: JobType[] = [];
    if (this.opts.pythonPath) types.push("python");
    if (this.opts.bashPath) types.push("shell");
    return types;
  }

  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const interpreter = req.jobType === "python" ? this.opts.pythonPath : this.opts.bashPath;
    if (!interpreter) throw new ExecutorError(`job type ${req.jobType} is not supported on this node`);
    // Checked here because behind `timeout` a missing interpreter would look like the script's exit 127.
    if (!(await findExecutable(interpreter)))
      throw new ExecutorError(`could not start ${interpreter}: not found or not executable`);
    let dir: string;
    try {
      dir = await mkdtemp(path.join(this.opts.workRoot ?? os.tmpdir(), "computeswarm-job-"));
    } catch (err) {
      throw new ExecutorError(`could not create a work dir: ${(err as Error).message}`);
    }
    try {
      const file = scriptFileName(req.jobType);
      await writeFile(path.join(dir, file), req.script, { mode: 0o600 });
      let command = interpreter;
      let args = req.jobType === "python" ? ["-u", file] : [file];
      if (this.opts.timeoutPath) {
        // The agent enforces the limit itself; this only matters if the agent is killed (SIGKILL, OOM) mid-job.
        args = ["-k", "5", String(req.maxDurationSeconds + BACKSTOP_MARGIN_SECONDS), command, ...args];
        command = this.opts.timeoutPath;
      }
      return await superviseChild({
        command,
        args,
        cwd: dir,
        env: buildJobEnvironment(this.opts.parentEnv ?? process.env, { home: dir, pythonPath: this.opts.pythonPath }),
        timeLimitMs: req.maxDurationSeconds * 1000,
        killGraceMs: this.opts.killGraceMs ?? 3000,
        maxOutputBytes: this.opts.maxOutputBytes,
        onOutput: req.onOutput,
        signal: req.signal,
      });
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
    }
  }
}

/** Finds python3 (resolved to the real interpreter behind any shim), bash and timeout. */
export async function createProcessExecutor(
  opts: Omit<ProcessExecutorOptions, "pythonPath" | "bashPath">,
): Promise<ProcessExecutor> {
  const [pythonPath, bashPath, timeoutPath] = await Promise.all([
    resolvePython(),
    findExecutable("bash"),
    findExecutable("timeout"),
  ]);
  return new ProcessExecutor({ ...opts, pythonPath, bashPath, timeoutPath });
}

export async function resolvePython(): Promise<string | null> {
  const found = await findExecutable("python3");
  if (!found) return null;
  const r = await runCommand(found, ["-c", "import sys; print(sys.executable)"], { timeoutMs: 15_000 });
  const exe = r.stdout.trim();
  return r.ok && path.isAbsolute(exe) ? exe : found;
}
