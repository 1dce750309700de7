import os from "node:os";
import type { StartSettings } from "../config/settings";
import { UsageError } from "../config/option-specs";
import { findExecutable } from "../util/find-executable";
import { bwrapWorks, createBwrapExecutor, nvidiaDeviceNodes } from "./bwrap-executor";
import { parseMemorySize } from "./cgroup";
import { parsePinnedImage, type PinnedImage } from "./docker-args";
import { DockerExecutor, dockerWorks } from "./docker-executor";
import { createProcessExecutor } from "./process-executor";
import type { Executor, ExecutorKind, JobLimits } from "./types";

export const UNSANDBOXED_REFUSAL =
  "The process executor runs buyers' jobs UNSANDBOXED on this machine (as %USER%, or as uid 65534 when the agent is root), with access to everything that user and the network can reach. " +
  "Pass --allow-unsandboxed (or COMPUTESWARM_ALLOW_UNSANDBOXED=true) to accept that, or install a sandbox: bubblewrap (apt-get install bubblewrap) or docker with --image-allowlist <name@sha256:...>.";

export interface ExecutorChoiceInput {
  requested?: ExecutorKind;
  dockerWorks: boolean;
  /** null when bwrap is installed and can build a sandbox; else why not. */
  bwrapProblem: string | null;
  imageAllowlist: string[];
  allowUnsandboxed: boolean;
}

/**
 * Pure decision: docker when a daemon answers and images are allowed, else
 * bwrap, else the unsandboxed process executor only if the seller opted in.
 */
export function chooseExecutorKind(i: ExecutorChoiceInput): { kind: ExecutorKind } | { error: string } {
  const refusal = UNSANDBOXED_REFUSAL.replace("%USER%", safeUserName());
  if (i.requested === "docker") {
    if (!i.dockerWorks)
      return {
        error: "--executor docker: `docker info` failed; is the docker daemon running and may this user use it?",
      };
    if (i.imageAllowlist.length === 0)
      return {
        error: "--executor docker needs --image-allowlist with at least one image pinned by digest (name@sha256:...)",
      };
    return { kind: "docker" };
  }
  if (i.requested === "bwrap")
    return i.bwrapProblem ? { error: `--executor bwrap: ${i.bwrapProblem}` } : { kind: "bwrap" };
  if (i.requested === "process") return i.allowUnsandboxed ? { kind: "process" } : { error: refusal };
  if (i.dockerWorks && i.imageAllowlist.length > 0) return { kind: "docker" };
  if (!i.bwrapProblem) return { kind: "bwrap" };
  if (i.allowUnsandboxed) return { kind: "process" };
  const docker =
    i.imageAllowlist.length === 0
      ? "no docker --image-allowlist is set"
      : "docker is not available (`docker info` failed)";
  return { error: `Cannot pick a sandbox: ${docker}, and ${i.bwrapProblem}. ${refusal}` };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

/** The node's GPUs as indexes: CUDA_VISIBLE_DEVICES when it lists numbers, else 0..count-1. */
export function nodeGpuIndexes(gpuCount: number, env: NodeJS.ProcessEnv = process.env): number[] {
  const visible = env.CUDA_VISIBLE_DEVICES?.trim();
  if (visible && /^\d+(,\d+)*$/.test(visible)) return visible.split(",").map(Number);
  return Array.from({ length: gpuCount }, (_, i) => i);
}

export function jobLimitsFrom(settings: StartSettings): JobLimits {
  return {
    memoryBytes: parseMemorySize(settings.dockerMemory),
    pids: settings.dockerPidsLimit,
    cpus: settings.dockerCpus,
  };
}

export function parseAllowlist(entries: string[]): PinnedImage[] {
  try {
    return entries.map(parsePinnedImage);
  } catch (err) {
    throw new UsageError(`--image-allowlist: ${(err as Error).message}`);
  }
}

async function bwrapProblem(): Promise<string | null> {
  const bwrap = await findExecutable("bwrap");
  if (!bwrap) return "bubblewrap is not installed (apt-get install bubblewrap)";
  const works = await bwrapWorks(bwrap);
  if (works.ok) return null;
  return (
    `bwrap cannot build a sandbox here (${works.error}); user namespaces may be disabled ` +
    "(sysctl kernel.unprivileged_userns_clone=1) or blocked by AppArmor (Ubuntu 24.04: load the bwrap profile)"
  );
}

export interface SelectExecutorOptions {
  nodeId: string;
  gpuCount: number;
  workRoot?: string;
}

export async function selectExecutor(settings: StartSettings, o: SelectExecutorOptions): Promise<Executor> {
  const allowlist = parseAllowlist(settings.imageAllowlist);
  // Only ask docker when it could matter; `docker info` can take seconds.
  const needDocker =
    settings.executor === "docker" || (settings.executor === undefined && settings.imageAllowlist.length > 0);
  const docker = needDocker ? await dockerWorks() : false;
  const needBwrap = settings.executor === "bwrap" || (settings.executor === undefined && !docker);
  const choice = chooseExecutorKind({
    requested: settings.executor,
    dockerWorks: docker,
    bwrapProblem: needBwrap ? await bwrapProblem() : "not checked",
    imageAllowlist: settings.imageAllowlist,
    allowUnsandboxed: settings.allowUnsandboxed,
  });
  if ("error" in choice) throw new UsageError(choice.error);
  const limits = jobLimitsFrom(settings);
  const gpuIndexes = nodeGpuIndexes(o.gpuCount);
  if (choice.kind === "docker") {
    return new DockerExecutor({
      nodeId: o.nodeId,
      imageAllowlist: allowlist,
      gpuIndexes,
      allowNetwork: settings.allowNetwork,
      limits,
      maxOutputBytes: settings.maxOutputBytes,
      workRoot: o.workRoot,
    });
  }
  if (choice.kind === "bwrap") {
    // Only the node's device nodes are inside, so CUDA numbers them from 0 itself: no CUDA_VISIBLE_DEVICES.
    const gpuEnv: Record<string, string> = {};
    const bwrap = await createBwrapExecutor({
      limits,
      gpuDevices: nvidiaDeviceNodes(gpuIndexes),
      gpuEnv,
      allowNetwork: settings.allowNetwork,
      maxOutputBytes: settings.maxOutputBytes,
      workRoot: o.workRoot,
    });
    if (!bwrap) throw new UsageError("--executor bwrap: bubblewrap is not installed");
    return bwrap;
  }
  return createProcessExecutor({ maxOutputBytes: settings.maxOutputBytes, workRoot: o.workRoot });
}
