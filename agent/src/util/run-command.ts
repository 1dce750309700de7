import { execFile } from "node:child_process";

export interface CommandResult {
  ok: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT: not installed). */
  notFound: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short-lived helper program (nvidia-smi, docker info, python3 -c) with a timeout; never throws. */
export function runCommand(
  file: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 15_000, env: opts.env, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        const code =
          err && typeof (err as NodeJS.ErrnoException).code === "string"
            ? (err as NodeJS.ErrnoException).code
            : undefined;
        const exitCode = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ ok: !err, notFound: code === "ENOENT", exitCode, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
