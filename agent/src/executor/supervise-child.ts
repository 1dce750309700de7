import { spawn } from "node:child_process";
import { constants } from "node:os";
import { OutputCollector } from "./output-collector";
import { ExecutorError, type ExecutionResult, type OutputStream } from "./types";

export interface SupervisedCommand {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeLimitMs: number;
  /** Between SIGTERM and SIGKILL when the job is stopped. */
  killGraceMs: number;
  maxOutputBytes: number;
  onOutput?: (stream: OutputStream, text: string) => void;
  signal?: AbortSignal;
  /** Extra stop action besides signalling the process group (e.g. `docker kill`). */
  onKill?: () => unknown;
  /** Runs the command as this uid/gid (the agent must be root); supplementary groups are dropped. */
  uid?: number;
  gid?: number;
  /**
   * Called with the pid before the command may start (e.g. to move it into a
   * cgroup): the process waits on a gate until this resolves, so nothing it
   * forks escapes the setup. If it rejects, the process is killed unstarted.
   */
  beforeStart?: (pid: number) => Promise<void>;
}

/** `sh` blocks on stdin until the agent opens the gate, then becomes the command. */
const GATE_SCRIPT = 'read -r _ || exit 125; exec "$0" "$@"';

/** Signals every process in the group led by `pid`; ignores a group that is already gone. */
export function signalProcessGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* ESRCH: nothing left */
  }
}

/** How long to wait for pipes to close after the main process exited (a setsid'd child may hold them). */
const PIPE_DRAIN_MS = 2000;

/**
 * Runs one job process in its own process group (detached) so that the time
 * limit, a shutdown, or the end of the main process can take down every
 * process the job started, not just the first one.
 */
export function superviseChild(cmd: SupervisedCommand): Promise<ExecutionResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const collector = new OutputCollector(cmd.maxOutputBytes, cmd.onOutput);
    let timedOut = false;
    let aborted = false;
    let killing = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timers: NodeJS.Timeout[] = [];

    const gated = cmd.beforeStart !== undefined;
    const child = spawn(
      gated ? "/bin/sh" : cmd.command,
      gated ? ["-c", GATE_SCRIPT, cmd.command, ...cmd.args] : cmd.args,
      {
        cwd: cmd.cwd,
        env: cmd.env,
        detached: true,
        stdio: [gated ? "pipe" : "ignore", "pipe", "pipe"],
        uid: cmd.uid,
        gid: cmd.gid,
      },
    );
    if (gated && child.pid) {
      const pid = child.pid;
      child.stdin?.on("error", () => undefined); // EPIPE if it died before the gate opened
      cmd.beforeStart!(pid).then(
        () => child.stdin?.end("go\n"),
        (err: unknown) => {
          signalProcessGroup(pid, "SIGKILL");
          if (settled) return;
          settled = true;
          timers.forEach(clearTimeout);
          cmd.signal?.removeEventListener("abort", onAbort);
          reject(new ExecutorError(`could not set up the job's sandbox: ${(err as Error).message}`));
        },
      );
    }
    child.stdout!.on("data", (b: Buffer) => collector.push("stdout", b));
    child.stderr!.on("data", (b: Buffer) => collector.push("stderr", b));

    const stop = () => {
      if (killing || !child.pid) return;
      killing = true;
      try {
        cmd.onKill?.();
      } catch {
        /* best effort */
      }
      signalProcessGroup(child.pid, "SIGTERM");
      timers.push(setTimeout(() => child.pid && signalProcessGroup(child.pid, "SIGKILL"), cmd.killGraceMs));
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };

    const finish = () => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      cmd.signal?.removeEventListener("abort", onAbort);
      const { output, outputTruncated, outputBase64 } = collector.finish();
      const code = exit?.code ?? null;
      const bySignal = exit?.signal ? 128 + (constants.signals[exit.signal] ?? 0) : null;
      resolve({
        exitCode: code ?? bySignal,
        output,
        ...(outputBase64 !== undefined ? { outputBase64 } : {}),
        outputTruncated,
        durationMs: Date.now() - started,
        timedOut,
        aborted,
      });
    };

    child.on("error", (err) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      cmd.signal?.removeEventListener("abort", onAbort);
      reject(new ExecutorError(`could not start ${cmd.command}: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // The job is over when its main process is; leftovers must not outlive it.
      if (child.pid) signalProcessGroup(child.pid, "SIGKILL");
      timers.push(
        setTimeout(() => {
          child.stdout!.destroy();
          child.stderr!.destroy();
          finish();
        }, PIPE_DRAIN_MS),
      );
    });
    child.on("close", () => {
      if (exit) finish();
    });

    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, cmd.timeLimitMs),
    );
    if (cmd.signal?.aborted) onAbort();
    else cmd.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
