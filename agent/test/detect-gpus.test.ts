import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { currentGpuUtilization, detectGpus, type CommandRunner } from "../src/gpu/detect-gpus";
import type { CommandResult } from "../src/util/run-command";
import { fixture } from "./helpers/fixtures";
import { tempDir } from "./helpers/temp-dir";

const ok = (stdout: string): CommandResult => ({ ok: true, notFound: false, exitCode: 0, stdout, stderr: "" });
const failed = (stdout: string, exitCode = 9): CommandResult => ({
  ok: false,
  notFound: false,
  exitCode,
  stdout,
  stderr: "",
});
const notFound: CommandResult = { ok: false, notFound: true, exitCode: null, stdout: "", stderr: "" };

/** A fake nvidia-smi: the query returns `csv`, a bare call the banner. */
function fakeSmi(
  csv: CommandResult,
  banner = ok(fixture("nvidia-smi-banner.txt")),
): { run: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (_file, args) => {
      calls.push(args);
      return args.length === 0 ? banner : csv;
    },
  };
}

describe("detectGpus", () => {
  it("builds GpuInfo from nvidia-smi, with the CUDA version from the banner", async () => {
    const { run, calls } = fakeSmi(ok(fixture("nvidia-smi-h200.csv")));
    const { gpuInfo, warnings } = await detectGpus(run);
    expect(warnings).toEqual([]);
    expect(gpuInfo).toMatchObject({
      model: "NVIDIA H200",
      vramMiB: 143771,
      gpuCount: 1,
      cudaVersion: "13.0",
      computeCapability: "9.0",
    });
    expect(calls[0]).toEqual([
      "--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,driver_version,utilization.gpu,temperature.gpu,power.draw,power.limit,pci.bus_id,compute_cap",
      "--format=csv,noheader,nounits",
    ]);
  });

  it("is a CPU-only node when nvidia-smi is not installed", async () => {
    const { gpuInfo, warnings } = await detectGpus(async () => notFound);
    expect(gpuInfo).toEqual({ model: "CPU", vramMiB: 0, gpuCount: 0, cpuOnly: true });
    expect(warnings[0]).toMatch(/CPU-only/);
  });

  it("is a CPU-only node when nvidia-smi cannot talk to the driver", async () => {
    const { run } = fakeSmi(failed("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));
    const { gpuInfo, warnings } = await detectGpus(run);
    expect(gpuInfo.cpuOnly).toBe(true);
    expect(warnings[0]).toMatch(/couldn't communicate/);
  });

  it("is a CPU-only node when every line is malformed, and says why", async () => {
    const { run } = fakeSmi(ok("garbage\n"));
    const { gpuInfo, warnings } = await detectGpus(run);
    expect(gpuInfo.cpuOnly).toBe(true);
    expect(warnings.join("\n")).toMatch(/expected 13 comma-separated fields/);
  });

  it("asks again without compute_cap on drivers that do not know it", async () => {
    const old = fixture("nvidia-smi-h200.csv")
      .trim()
      .replace(/, 9\.0$/, "");
    const calls: string[][] = [];
    const run: CommandRunner = async (_f, args) => {
      calls.push(args);
      if (args.length === 0) return ok("| NVIDIA-SMI 470.57.02  Driver Version: 470.57.02  CUDA Version: 11.4 |");
      return args[0]!.includes("compute_cap")
        ? failed('Field "compute_cap" is not a valid field to query.', 2)
        : ok(old);
    };
    const { gpuInfo } = await detectGpus(run);
    expect(calls).toHaveLength(3);
    expect(gpuInfo).toMatchObject({ model: "NVIDIA H200", cudaVersion: "11.4" });
    expect(gpuInfo.computeCapability).toBeUndefined();
  });

  it("runs a real executable given by path (COMPUTESWARM_NVIDIA_SMI)", async () => {
    const dir = tempDir("cs-smi-");
    const smi = path.join(dir, "nvidia-smi");
    await writeFile(
      smi,
      `#!/bin/sh\nif [ $# -eq 0 ]; then echo "CUDA Version: 12.8"; else cat <<'X'\n${fixture("nvidia-smi-4x-h100.csv")}X\nfi\n`,
    );
    await chmod(smi, 0o755);
    const { gpuInfo } = await detectGpus(undefined, smi);
    expect(gpuInfo).toMatchObject({ gpuCount: 4, cudaVersion: "12.8", vramMiB: 81000 });
  });
});

describe("currentGpuUtilization", () => {
  it("averages nvidia-smi's utilization.gpu", async () => {
    const calls: string[][] = [];
    const u = await currentGpuUtilization(async (_f, args) => (calls.push(args), ok("50\n100\n")));
    expect(u).toBe(75);
    expect(calls[0]![0]).toBe("--query-gpu=utilization.gpu");
  });
  it("is undefined without nvidia-smi", async () => {
    expect(await currentGpuUtilization(async () => notFound)).toBeUndefined();
  });
});
