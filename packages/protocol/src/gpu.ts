import { z } from "zod";
import { text } from "./fields";
import { JOB_TYPES, jobTypeSchema } from "./jobs";

/** One GPU as the agent detected it (from nvidia-smi). */
export const gpuDeviceSchema = z.object({
  index: z.number().int().min(0).max(63),
  uuid: text().max(100).optional(),
  name: text().min(1).max(100),
  memoryTotalMiB: z.number().int().min(0).max(10_000_000),
  driverVersion: text().max(40).optional(),
  computeCapability: text().max(10).optional(),
  pciBusId: text().max(40).optional(),
  powerLimitW: z.number().min(0).max(10_000).optional(),
});
export type GpuDevice = z.infer<typeof gpuDeviceSchema>;

/**
 * What a node offers, stored as JSONB in nodes.gpu_info and signed by the seller.
 * A CPU-only node has gpuCount 0 and model "CPU".
 */
export const gpuInfoSchema = z.object({
  model: text().trim().min(1).max(100),
  vramMiB: z.number().int().min(0).max(10_000_000),
  gpuCount: z.number().int().min(0).max(64),
  driverVersion: text().max(40).optional(),
  cudaVersion: text().max(20).optional(),
  computeCapability: text().max(10).optional(),
  cpuOnly: z.boolean().optional(),
  devices: z.array(gpuDeviceSchema).max(64).optional(),
  benchmark: z
    .object({
      tflops: z.number().min(0).max(100_000).nullable(),
      dtype: text().max(20).optional(),
      skippedReason: text().max(300).optional(),
    })
    .optional(),
  jobTypes: z.array(jobTypeSchema).max(JOB_TYPES.length).optional(),
});
export type GpuInfo = z.infer<typeof gpuInfoSchema>;
