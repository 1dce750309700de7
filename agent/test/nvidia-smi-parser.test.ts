import { describe, expect, it } from "vitest";
import {
  GPU_QUERY_FIELDS,
  cpuOnlyGpuInfo,
  parseCudaVersion,
  parseNvidiaSmiCsv,
  parseUtilization,
  toGpuInfo,
} from "../src/gpu/nvidia-smi-parser";
import { gpuInfoSchema } from "@computeswarm/protocol";
import { fixture } from "./helpers/fixtures";

describe("parseNvidiaSmiCsv", () => {
  it("parses the real H200 line", () => {
    const { gpus, errors } = parseNvidiaSmiCsv(fixture("nvidia-smi-h200.csv"));
    expect(errors).toEqual([]);
    expect(gpus).toEqual([
      {
        index: 0,
        uuid: "GPU-126e37d4-5cd7-5429-e570-fd4a062e1c86",
        name: "NVIDIA H200",
        memoryTotalMiB: 143771,
        memoryUsedMiB: 0,
        memoryFreeMiB: 143156,
        driverVersion: "580.159.04",
        utilizationPercent: 0,
        temperatureC: 36,
        powerDrawW: 120.94,
        powerLimitW: 700,
        pciBusId: "00000000:00:06.0",
        computeCapability: "9.0",
      },
    ]);
  });

  it("parses several GPUs and treats [N/A] as absent", () => {
    const { gpus, errors } = parseNvidiaSmiCsv(fixture("nvidia-smi-4x-h100.csv"));
    expect(errors).toEqual([]);
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3]);
    expect(gpus[2]!.powerDrawW).toBeUndefined();
    expect(gpus[2]!.powerLimitW).toBeUndefined();
    expect(gpus[3]!.utilizationPercent).toBeUndefined();
    expect(gpus[3]!.temperatureC).toBeUndefined();
    expect(gpus[3]!.memoryTotalMiB).toBe(81000);
  });

  it("sorts by index whatever order nvidia-smi printed", () => {
    const lines = fixture("nvidia-smi-4x-h100.csv").trim().split("\n").reverse().join("\n");
    expect(parseNvidiaSmiCsv(lines).gpus.map((g) => g.index)).toEqual([0, 1, 2, 3]);
  });

  it("skips malformed lines with a reason and keeps the good ones", () => {
    const good = fixture("nvidia-smi-h200.csv").trim();
    const text = [
      good,
      "1, GPU-x, NVIDIA H200, 143771", // too few fields
      "x, GPU-y, NVIDIA H200, 143771, 0, 143156, 580.159.04, 0, 36, 120.94, 700.00, 00000000:00:07.0, 9.0", // bad index
      "2, GPU-z, , 143771, 0, 143156, 580.159.04, 0, 36, 120.94, 700.00, 00000000:00:08.0, 9.0", // no name
      "3, GPU-w, NVIDIA H200, lots, 0, 143156, 580.159.04, 0, 36, 120.94, 700.00, 00000000:00:09.0, 9.0", // bad memory
      good.replace(/^0,/, "0,"), // duplicate index 0
      "",
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    ].join("\n");
    const { gpus, errors } = parseNvidiaSmiCsv(text);
    expect(gpus).toHaveLength(1);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/line 2: expected 13 comma-separated fields, got 4/);
    expect(errors[1]).toMatch(/invalid GPU index/);
    expect(errors[2]).toMatch(/missing GPU name/);
    expect(errors[3]).toMatch(/invalid memory.total/);
    expect(errors[4]).toMatch(/duplicate GPU index 0/);
    expect(errors[5]).toMatch(/line 8: expected 13/);
  });

  it("returns nothing for empty output", () => {
    expect(parseNvidiaSmiCsv("")).toEqual({ gpus: [], errors: [] });
    expect(parseNvidiaSmiCsv("\n\n")).toEqual({ gpus: [], errors: [] });
  });

  it("parses output of the shorter query used for old drivers (no compute_cap)", () => {
    const fields = GPU_QUERY_FIELDS.filter((f) => f !== "compute_cap");
    const line = fixture("nvidia-smi-h200.csv")
      .trim()
      .replace(/, 9\.0$/, "");
    const { gpus, errors } = parseNvidiaSmiCsv(line, fields);
    expect(errors).toEqual([]);
    expect(gpus[0]!.computeCapability).toBeUndefined();
    expect(gpus[0]!.name).toBe("NVIDIA H200");
  });
});

describe("parseCudaVersion", () => {
  it("reads the CUDA version from the nvidia-smi banner", () => {
    expect(parseCudaVersion(fixture("nvidia-smi-banner.txt"))).toBe("13.0");
    expect(parseCudaVersion("| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2  |")).toBe(
      "12.2",
    );
  });
  it("is undefined when the banner has none", () => {
    expect(parseCudaVersion("No devices were found")).toBeUndefined();
  });
});

describe("parseUtilization", () => {
  it("averages utilization over GPUs and ignores [N/A]", () => {
    expect(parseUtilization("97\n0\n3\n[N/A]\n")).toBe(33.3);
    expect(parseUtilization("0\n")).toBe(0);
    expect(parseUtilization("[N/A]\n")).toBeUndefined();
    expect(parseUtilization("")).toBeUndefined();
  });
});

describe("toGpuInfo", () => {
  it("describes the H200 node", () => {
    const info = toGpuInfo(parseNvidiaSmiCsv(fixture("nvidia-smi-h200.csv")).gpus, "13.0");
    expect(info).toMatchObject({
      model: "NVIDIA H200",
      vramMiB: 143771,
      gpuCount: 1,
      driverVersion: "580.159.04",
      cudaVersion: "13.0",
      computeCapability: "9.0",
      cpuOnly: false,
    });
    expect(info.devices?.[0]).toEqual({
      index: 0,
      uuid: "GPU-126e37d4-5cd7-5429-e570-fd4a062e1c86",
      name: "NVIDIA H200",
      memoryTotalMiB: 143771,
      driverVersion: "580.159.04",
      computeCapability: "9.0",
      pciBusId: "00000000:00:06.0",
      powerLimitW: 700,
    });
    expect(gpuInfoSchema.safeParse(info).success).toBe(true);
  });

  it("counts GPUs and offers the smallest per-GPU VRAM", () => {
    const info = toGpuInfo(parseNvidiaSmiCsv(fixture("nvidia-smi-4x-h100.csv")).gpus);
    expect(info.gpuCount).toBe(4);
    expect(info.vramMiB).toBe(81000);
    expect(info.model).toBe("NVIDIA H100 80GB HBM3");
    expect(info.cudaVersion).toBeUndefined();
    expect("cudaVersion" in info).toBe(false); // no undefined keys in signed JSON
  });

  it("is a CPU-only node without GPUs", () => {
    expect(toGpuInfo([])).toEqual({ model: "CPU", vramMiB: 0, gpuCount: 0, cpuOnly: true });
    expect(gpuInfoSchema.safeParse(cpuOnlyGpuInfo()).success).toBe(true);
  });
});
