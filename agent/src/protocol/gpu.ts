import { z } from "zod";

/** One GPU as the agent detected it (from nvidia-smi). */
export const gpuDeviceSchema = z.object({
  index: z.number().int().min(0).max(63),
  uuid: z.string().max(100).optional(),
  name: z.string().min(1).max(100),
  memoryTotalMiB: z.number().int().min(0).max(10_000_000),
  driverVersion: z.string().max(40).optional(),
  computeCapability: z.string().max(10).optional(),
  pciBusId: z.string().max(40).optional(),
  powerLimitW: z.number().min(0).max(10_000).optional(),
});
export type GpuDevice = z.infer<typeof gpuDeviceSchema>;

/**
 * What a node offers, stored as JSONB in nodes.gpu_info and signed by the seller.
 * A CPU-only node has gpuCount 0 and model "CPU".
 */
export const gpuInfoSchema = z.object({
  model: z.string().trim().min(1).max(100),
  vramMiB: z.number().int().min(0).max(10_000_000),
  gpuCount: z.number().int().min(0).max(64),
  driverVersion: z.string().max(40).optional(),
  cudaVersion: z.string().max(20).optional(),
  computeCapability: z.string().max(10).optional(),
  cpuOnly: z.boolean().optional(),
  devices: z.array(gpuDeviceSchema).max(64).optional(),
  benchmark: z
    .object({
      tflops: z.number().min(0).max(100_000).nullable(),
      dtype: z.string().max(20).optional(),
      skippedReason: z.string().max(300).optional(),
    })
    .optional(),
  jobTypes: z
    .array(z.enum(["python", "shell"]))
    .max(2)
    .optional(),
});
export type GpuInfo = z.infer<typeof gpuInfoSchema>;
