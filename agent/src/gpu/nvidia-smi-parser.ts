import { gpuInfoSchema, type GpuInfo } from "@computeswarm/protocol";

/** The fields we ask nvidia-smi for, in order (see detectGpus). */
export const GPU_QUERY_FIELDS = [
  "index",
  "uuid",
  "name",
  "memory.total",
  "memory.used",
  "memory.free",
  "driver_version",
  "utilization.gpu",
  "temperature.gpu",
  "power.draw",
  "power.limit",
  "pci.bus_id",
  "compute_cap",
] as const;
export type GpuQueryField = (typeof GPU_QUERY_FIELDS)[number];

/** One row of `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`. */
export interface NvidiaSmiGpu {
  index: number;
  uuid?: string;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB?: number;
  memoryFreeMiB?: number;
  driverVersion?: string;
  utilizationPercent?: number;
  temperatureC?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  pciBusId?: string;
  computeCapability?: string;
}

export interface NvidiaSmiParseResult {
  gpus: NvidiaSmiGpu[];
  /** One message per line that could not be used; the other lines still count. */
  errors: string[];
}

/** nvidia-smi prints these when a value is unavailable on this GPU or driver. */
function present(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === "" || /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions|GPU is lost)\]?$/i.test(v))
    return undefined;
  return v;
}

function optionalNumber(raw: string | undefined): number | undefined {
  const v = present(raw);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function parseNvidiaSmiCsv(
  text: string,
  fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS,
): NvidiaSmiParseResult {
  const gpus: NvidiaSmiGpu[] = [];
  const errors: string[] = [];
  const seen = new Set<number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== fields.length) {
      errors.push(`line ${i + 1}: expected ${fields.length} comma-separated fields, got ${cells.length}`);
      return;
    }
    const get = (f: GpuQueryField) => {
      const at = fields.indexOf(f);
      return at < 0 ? undefined : cells[at];
    };
    const index = Number(present(get("index")));
    const name = present(get("name"));
    const memoryTotalMiB = Number(present(get("memory.total")));
    if (!Number.isInteger(index) || index < 0 || index > 63) {
      errors.push(`line ${i + 1}: invalid GPU index ${JSON.stringify(get("index"))}`);
      return;
    }
    if (seen.has(index)) {
      errors.push(`line ${i + 1}: duplicate GPU index ${index}`);
      return;
    }
    if (!name) {
      errors.push(`line ${i + 1}: missing GPU name`);
      return;
    }
    if (!Number.isFinite(memoryTotalMiB) || memoryTotalMiB < 0) {
      errors.push(`line ${i + 1}: invalid memory.total ${JSON.stringify(get("memory.total"))}`);
      return;
    }
    seen.add(index);
    gpus.push(
      dropUndefined({
        index,
        uuid: present(get("uuid")),
        name,
        memoryTotalMiB: Math.round(memoryTotalMiB),
        memoryUsedMiB: optionalNumber(get("memory.used")),
        memoryFreeMiB: optionalNumber(get("memory.free")),
        driverVersion: present(get("driver_version")),
        utilizationPercent: optionalNumber(get("utilization.gpu")),
        temperatureC: optionalNumber(get("temperature.gpu")),
        powerDrawW: optionalNumber(get("power.draw")),
        powerLimitW: optionalNumber(get("power.limit")),
        pciBusId: present(get("pci.bus_id")),
        computeCapability: present(get("compute_cap")),
      }),
    );
  });
  gpus.sort((a, b) => a.index - b.index);
  return { gpus, errors };
}

/** "CUDA Version: 13.0" from the banner of a plain `nvidia-smi` run. */
export function parseCudaVersion(banner: string): string | undefined {
  return /CUDA Version:\s*([0-9]+(?:\.[0-9]+)*)/.exec(banner)?.[1];
}

/** Mean of `utilization.gpu` values (one per line), or undefined when none parse. */
export function parseUtilization(text: string): number | undefined {
  const values = text
    .split(/\r?\n/)
    .map((l) => optionalNumber(l))
    .filter((n): n is number => n !== undefined && n >= 0 && n <= 100);
  if (values.length === 0) return undefined;
  return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
}

export function cpuOnlyGpuInfo(): GpuInfo {
  return { model: "CPU", vramMiB: 0, gpuCount: 0, cpuOnly: true };
}

/**
 * What the node offers. `model` is GPU 0's name; `vramMiB` is per GPU and the
 * smallest of them (what a buyer can count on for every GPU), not the sum.
 */
export function toGpuInfo(gpus: NvidiaSmiGpu[], cudaVersion?: string): GpuInfo {
  const first = gpus[0];
  if (!first) return cpuOnlyGpuInfo();
  const clip = (s: string | undefined, max: number) => (s === undefined ? undefined : s.slice(0, max));
  return gpuInfoSchema.parse(
    dropUndefined({
      model: clip(first.name, 100),
      vramMiB: Math.min(...gpus.map((g) => g.memoryTotalMiB)),
      gpuCount: gpus.length,
      driverVersion: clip(first.driverVersion, 40),
      cudaVersion: clip(cudaVersion, 20),
      computeCapability: clip(first.computeCapability, 10),
      cpuOnly: false,
      devices: gpus.map((g) =>
        dropUndefined({
          index: g.index,
          uuid: clip(g.uuid, 100),
          name: clip(g.name, 100),
          memoryTotalMiB: g.memoryTotalMiB,
          driverVersion: clip(g.driverVersion, 40),
          computeCapability: clip(g.computeCapability, 10),
          pciBusId: clip(g.pciBusId, 40),
          powerLimitW: g.powerLimitW,
        }),
      ),
    }),
  );
}

/** Drops undefined keys so signed canonical JSON and stored JSON match exactly. */
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
