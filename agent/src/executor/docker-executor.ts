import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JOB_TYPES, type JobType } from "@computeswarm/protocol";
import { runCommand } from "../util/run-command";
import { SANDBOX_GID, SANDBOX_UID } from "./bwrap-args";
import { NODE_LABEL, buildDockerRunArgs, containerNameFor, pickImage, type PinnedImage } from "./docker-args";
import { scriptFileName } from "./script-file";
import { superviseChild } from "./supervise-child";
import { ExecutorError, type ExecutionRequest, type ExecutionResult, type Executor, type JobLimits } from "./types";

export interface DockerExecutorOptions {
  nodeId: string;
  imageAllowlist: PinnedImage[];
  /** The node's GPU indexes (docker --gpus device=...); empty on CPU nodes. */
  gpuIndexes: number[];
  allowNetwork: boolean;
  limits: JobLimits;
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

export const NVIDIA_TOOLKIT_MISSING =
  "docker cannot give containers GPUs here: the NVIDIA container toolkit is missing " +
  "(install nvidia-container-toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart dockerd), " +
  "or run without docker so the agent uses bwrap";

function dockerFailureMessage(output: string): string {
  if (/could not select device driver "" with capabilities: \[\[gpu\]\]/.test(output)) return NVIDIA_TOOLKIT_MISSING;
  return `docker could not run the job: ${output.trim().slice(0, 500)}`;
}

/** Runs each job in a locked-down, throw-away container; see buildDockerRunArgs. */
export class DockerExecutor implements Executor {
  readonly kind = "docker" as const;

  constructor(private readonly opts: DockerExecutorOptions) {}

  advertisedImages(): string[] {
    return this.opts.imageAllowlist.map((i) => i.ref);
  }

  supportedJobTypes(): JobType[] {
    return [...JOB_TYPES]; // the allowed images are expected to have python3 and bash
  }

  /** The local image id for an allowed image, checked against its pinned digest. */
  private async resolveImage(image: PinnedImage): Promise<string> {
    const docker = this.opts.docker ?? "docker";
    // A local (imported/built) image is pinned by its id; a pulled one by its registry digest.
    for (const ref of [image.digest, `${image.name.replace(/:[^/:]+$/, "")}@${image.digest}`]) {
      const r = await runCommand(docker, ["image", "inspect", "--format", "{{.Id}}", ref], { timeoutMs: 15_000 });
      const id = r.stdout.trim();
      if (r.ok && /^sha256:[0-9a-f]{64}$/.test(id)) return id;
    }
    throw new ExecutorError(`image ${image.ref} is not on this node: \`docker pull ${image.name}@${image.digest}\``);
  }

  /** Removes job containers of this node left by an earlier run that died (SIGKILL, crash, power loss). */
  async sweepOrphans(): Promise<number> {
    const docker = this.opts.docker ?? "docker";
    const r = await runCommand(docker, ["ps", "-aq", "--filter", `label=${NODE_LABEL}=${this.opts.nodeId}`], {
      timeoutMs: 15_000,
    });
    const ids = r.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await runCommand(docker, ["rm", "-f", ...ids], { timeoutMs: 30_000 });
    return ids.length;
  }

  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const docker = this.opts.docker ?? "docker";
    let image: PinnedImage;
    try {
      image = pickImage(this.opts.imageAllowlist, req.image);
    } catch (err) {
      throw new ExecutorError((err as Error).message);
    }
    const imageId = await this.resolveImage(image);
    const limits = { ...this.opts.limits, ...req.limits };
    const dir = await mkdtemp(path.join(this.opts.workRoot ?? os.tmpdir(), "computeswarm-job-"));
    const containerName = containerNameFor(req.jobId);
    try {
      await writeFile(path.join(dir, scriptFileName(req.jobType)), req.script, { mode: 0o644 });
      // The container runs as 65534: it owns its work dir (root agent), or the dir is open (inside our 0700 work root).
      if (process.getuid?.() === 0) await chown(dir, SANDBOX_UID, SANDBOX_GID);
      else await chmod(dir, 0o777);
      const args = buildDockerRunArgs({
        containerName,
        jobId: req.jobId,
        nodeId: this.opts.nodeId,
        jobType: req.jobType,
        image: imageId,
        workdir: dir,
        gpuIndexes: this.opts.gpuIndexes,
        allowNetwork: this.opts.allowNetwork,
        memory: `${limits.memoryBytes}b`,
        cpus: limits.cpus,
        pidsLimit: limits.pids,
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
      if (isDockerFailure(result)) throw new ExecutorError(dockerFailureMessage(result.output));
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
