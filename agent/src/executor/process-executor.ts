import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobType } from "@computeswarm/protocol";
import { findExecutable } from "../util/find-executable";
import { SANDBOX_GID, SANDBOX_UID } from "./bwrap-args";
import { buildJobEnvironment } from "./job-environment";
import { findSandboxPython, isRoot, resolvePython, worldReachable } from "./python";
import { jobDirBase } from "./work-root";
import { scriptFileName } from "./script-file";
import { superviseChild } from "./supervise-child";
import { ExecutorError, type ExecutionRequest, type ExecutionResult, type Executor } from "./types";

export interface ProcessExecutorOptions {
  maxOutputBytes: number;
  /** Absolute path of python3, or null when this machine has none. */
  pythonPath: string | null;
  bashPath: string | null;
  /** coreutils `timeout`, if present: a backstop that ends the job even if the agent itself dies. */
  timeoutPath?: string | null;
  /** util-linux `setpriv`: when the agent is root, jobs run as uid 65534 with no-new-privs through it. */
  setprivPath?: string | null;
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

  advertisedImages(): string[] {
    return [];
  }

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
      const root = this.opts.workRoot ?? os.tmpdir();
      // As root, jobs run as uid 65534, which must reach the dir.
      dir = await mkdtemp(path.join(isRoot() ? await jobDirBase(root, worldReachable) : root, "computeswarm-job-"));
    } catch (err) {
      throw new ExecutorError(`could not create a work dir: ${(err as Error).message}`);
    }
    try {
      const file = scriptFileName(req.jobType);
      await writeFile(path.join(dir, file), req.script, { mode: 0o600 });
      let command = interpreter;
      let args = req.jobType === "python" ? ["-u", file] : [file];
      if (isRoot()) {
        // Never buyers' code as root: a dedicated uid that cannot regain privileges (setuid binaries).
        if (!this.opts.setprivPath)
          throw new ExecutorError(
            "the agent runs as root and setpriv (util-linux) is missing: refusing to run jobs as root",
          );
        await chown(dir, SANDBOX_UID, SANDBOX_GID);
        await chown(path.join(dir, file), SANDBOX_UID, SANDBOX_GID);
        args = [
          `--reuid=${SANDBOX_UID}`,
          `--regid=${SANDBOX_GID}`,
          "--clear-groups",
          "--no-new-privs",
          "--",
          command,
          ...args,
        ];
        command = this.opts.setprivPath;
      }
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
  const [pythonPath, bashPath, timeoutPath, setprivPath] = await Promise.all([
    // As root, jobs run as uid 65534: it needs an interpreter that uid can reach.
    isRoot() ? findSandboxPython(true).then((p) => p?.executable ?? null) : resolvePython(),
    findExecutable("bash"),
    findExecutable("timeout"),
    findExecutable("setpriv"),
  ]);
  return new ProcessExecutor({ ...opts, pythonPath, bashPath, timeoutPath, setprivPath });
}
