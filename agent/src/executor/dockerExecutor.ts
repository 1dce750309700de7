import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobType } from "../protocol/v1";
import { runCommand } from "../util/runCommand";
import { buildDockerRunArgs, containerNameFor, pickImage } from "./dockerArgs";
import { scriptFileName } from "./scriptFile";
import { superviseChild } from "./superviseChild";
import { ExecutorError, type ExecutionRequest, type ExecutionResult, type Executor } from "./types";

export interface DockerExecutorOptions {
  imageAllowlist: string[];
  gpus: boolean;
  allowNetwork: boolean;
  memory: string;
  cpus: number;
  pidsLimit: number;
  maxOutputBytes: number;
  docker?: string;
  workRoot?: string;
  killGraceMs?: number;
}

/** `docker run` exits 125 when docker itself failed (bad image, daemon error), not the script. */
function isDockerFailure(result: ExecutionResult): boolean {
  return (
    result.exitCode === 125 && /(^|\n)docker: |Error response from daemon|Unable to find image/.test(result.output)
  );
}

/** Runs each job in a locked-down, throw-away container; see buildDockerRunArgs. */
export class DockerExecutor implements Executor {
  readonly kind = "docker" as const;

  constructor(private readonly opts: DockerExecutorOptions) {}

  supportedJobTypes(): JobType[] {
    return ["python", "shell"]; // the allowed images are expected to have python3 and bash
  }

  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const docker = this.opts.docker ?? "docker";
    const image = pickImage(this.opts.imageAllowlist);
    const dir = await mkdtemp(path.join(this.opts.workRoot ?? os.tmpdir(), "computeswarm-job-"));
    const containerName = containerNameFor(req.jobId);
    try {
      await writeFile(path.join(dir, scriptFileName(req.jobType)), req.script, { mode: 0o644 });
      await chmod(dir, 0o755); // readable by the container user; writable when it runs as our uid (--user)
      const uid = process.getuid?.();
      const gid = process.getgid?.();
      const args = buildDockerRunArgs({
        containerName,
        jobId: req.jobId,
        jobType: req.jobType,
        image,
        workdir: dir,
        gpus: this.opts.gpus,
        allowNetwork: this.opts.allowNetwork,
        memory: this.opts.memory,
        cpus: this.opts.cpus,
        pidsLimit: this.opts.pidsLimit,
        user: uid !== undefined && gid !== undefined ? `${uid}:${gid}` : undefined,
      });
      const result = await superviseChild({
        command: docker,
        args,
        env: process.env, // the docker client needs DOCKER_HOST etc.; the container gets only -e values
        timeLimitMs: req.maxDurationSeconds * 1000,
        killGraceMs: this.opts.killGraceMs ?? 5000,
        maxOutputBytes: this.opts.maxOutputBytes,
        onOutput: req.onOutput,
        signal: req.signal,
        onKill: () => runCommand(docker, ["kill", containerName], { timeoutMs: 10_000 }),
      });
      if (isDockerFailure(result))
        throw new ExecutorError(`docker could not run the job: ${result.output.trim().slice(0, 500)}`);
      return result;
    } finally {
      // --rm normally removes it; this covers a client killed before the daemon did.
      await runCommand(docker, ["rm", "-f", containerName], { timeoutMs: 15_000 });
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** True when a docker daemon answers. */
export async function dockerWorks(docker = "docker"): Promise<boolean> {
  return (await runCommand(docker, ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 10_000 })).ok;
}
