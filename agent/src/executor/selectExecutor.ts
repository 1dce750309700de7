import os from "node:os";
import type { StartSettings } from "../config/settings";
import { UsageError } from "../config/optionSpecs";
import { DockerExecutor, dockerWorks } from "./dockerExecutor";
import { createProcessExecutor } from "./processExecutor";
import type { Executor } from "./types";

export const UNSANDBOXED_REFUSAL =
  "The process executor runs buyers' jobs UNSANDBOXED, as this user (%USER%), with access to everything this user can reach. " +
  "Pass --allow-unsandboxed (or COMPUTESWARM_ALLOW_UNSANDBOXED=true) to accept that, or use docker: --executor docker --image-allowlist <image>.";

export interface ExecutorChoiceInput {
  requested?: "docker" | "process";
  dockerWorks: boolean;
  imageAllowlist: string[];
  allowUnsandboxed: boolean;
}

/** Pure decision: which executor to use, or why none may be used. */
export function chooseExecutorKind(i: ExecutorChoiceInput): { kind: "docker" | "process" } | { error: string } {
  const user = safeUserName();
  const refusal = UNSANDBOXED_REFUSAL.replace("%USER%", user);
  if (i.requested === "docker") {
    if (!i.dockerWorks)
      return {
        error: "--executor docker: `docker info` failed; is the docker daemon running and may this user use it?",
      };
    if (i.imageAllowlist.length === 0)
      return {
        error: "--executor docker needs --image-allowlist with at least one image, e.g. pytorch/pytorch:latest",
      };
    return { kind: "docker" };
  }
  if (i.requested === "process") return i.allowUnsandboxed ? { kind: "process" } : { error: refusal };
  if (i.dockerWorks && i.imageAllowlist.length > 0) return { kind: "docker" };
  if (i.allowUnsandboxed) return { kind: "process" };
  const why =
    i.imageAllowlist.length === 0
      ? "no docker --image-allowlist is set"
      : "docker is not available (`docker info` failed)";
  return { error: `Cannot pick an executor: ${why}. ${refusal}` };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

export async function selectExecutor(settings: StartSettings, gpuCount: number, workRoot?: string): Promise<Executor> {
  // Only ask docker when it could matter; `docker info` can take seconds.
  const needDocker =
    settings.executor === "docker" || (settings.executor === undefined && settings.imageAllowlist.length > 0);
  const choice = chooseExecutorKind({
    requested: settings.executor,
    dockerWorks: needDocker ? await dockerWorks() : false,
    imageAllowlist: settings.imageAllowlist,
    allowUnsandboxed: settings.allowUnsandboxed,
  });
  if ("error" in choice) throw new UsageError(choice.error);
  if (choice.kind === "docker") {
    return new DockerExecutor({
      imageAllowlist: settings.imageAllowlist,
      gpus: gpuCount > 0,
      allowNetwork: settings.allowNetwork,
      memory: settings.dockerMemory,
      cpus: settings.dockerCpus,
      pidsLimit: settings.dockerPidsLimit,
      maxOutputBytes: settings.maxOutputBytes,
      workRoot,
    });
  }
  return createProcessExecutor({ maxOutputBytes: settings.maxOutputBytes, workRoot });
}
