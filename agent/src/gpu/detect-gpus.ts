import type { GpuInfo } from "@computeswarm/protocol";
import { runCommand, type CommandResult } from "../util/run-command";
import {
  GPU_QUERY_FIELDS,
  cpuOnlyGpuInfo,
  parseCudaVersion,
  parseNvidiaSmiCsv,
  parseUtilization,
  toGpuInfo,
  type GpuQueryField,
} from "./nvidia-smi-parser";

export type CommandRunner = (file: string, args: string[]) => Promise<CommandResult>;

export interface GpuDetection {
  gpuInfo: GpuInfo;
  /** Why detection fell back or skipped lines; shown to the seller, never fatal. */
  warnings: string[];
}

/** COMPUTESWARM_NVIDIA_SMI lets tests (or odd installs) point at another binary. */
export function nvidiaSmiPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.COMPUTESWARM_NVIDIA_SMI || "nvidia-smi";
}

const defaultRunner: CommandRunner = (file, args) => runCommand(file, args, { timeoutMs: 20_000 });

function queryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits"];
}

export async function detectGpus(run: CommandRunner = defaultRunner, smi = nvidiaSmiPath()): Promise<GpuDetection> {
  const warnings: string[] = [];
  let fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS;
  let result = await run(smi, queryArgs(fields));
  if (result.notFound) {
    return { gpuInfo: cpuOnlyGpuInfo(), warnings: ["nvidia-smi not found: this is a CPU-only node"] };
  }
  // Drivers older than ~510 do not know compute_cap; ask again without it.
  if (!result.ok && /compute_cap/.test(result.stdout + result.stderr)) {
    fields = GPU_QUERY_FIELDS.filter((f) => f !== "compute_cap");
    result = await run(smi, queryArgs(fields));
  }
  if (!result.ok) {
    const why = (result.stdout + result.stderr).trim().split("\n")[0] || `exit code ${result.exitCode}`;
    return { gpuInfo: cpuOnlyGpuInfo(), warnings: [`nvidia-smi failed (${why}): treating this as a CPU-only node`] };
  }
  const parsed = parseNvidiaSmiCsv(result.stdout, fields);
  warnings.push(...parsed.errors.map((e) => `nvidia-smi output ${e}`));
  if (parsed.gpus.length === 0) {
    warnings.push("nvidia-smi listed no usable GPU: this is a CPU-only node");
    return { gpuInfo: cpuOnlyGpuInfo(), warnings };
  }
  const banner = await run(smi, []);
  const cudaVersion = banner.ok ? parseCudaVersion(banner.stdout) : undefined;
  return { gpuInfo: toGpuInfo(parsed.gpus, cudaVersion), warnings };
}

/** Mean GPU utilisation in percent for heartbeats; undefined on CPU-only nodes or on error. */
export async function currentGpuUtilization(
  run: CommandRunner = defaultRunner,
  smi = nvidiaSmiPath(),
): Promise<number | undefined> {
  const result = await run(smi, queryArgs(["utilization.gpu"]));
  return result.ok ? parseUtilization(result.stdout) : undefined;
}
