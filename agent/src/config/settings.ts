import os from "node:os";
import { z } from "zod";
import { endpointSchema, nodeNameSchema, priceSchema } from "@computeswarm/protocol";
import { UsageError } from "./option-specs";

/** Turns a zod failure into one line the seller can act on, naming the flag. */
export function parseSettings<T extends z.ZodType>(schema: T, raw: Record<string, unknown>): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  throw new UsageError(key ? `--${flag}: ${issue.message}` : issue.message);
}

export const MAX_OUTPUT_BYTES = 1024 * 1024;

const marketplaceUrl = z
  .string({ error: "is required (flag, COMPUTESWARM_MARKETPLACE or the config file)" })
  .trim()
  .refine((v) => /^https?:\/\/[^\s/]+/.test(v), "must be an http:// or https:// URL")
  .transform((v) => v.replace(/\/+$/, ""));

const number = (min: number, max: number) =>
  z.coerce.number().refine((n) => n >= min && n <= max, `must be a number from ${min} to ${max}`);
const integer = (min: number, max: number) =>
  z.coerce
    .number()
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

export const logLevelSchema = z.enum(["debug", "info", "warn", "error"]).default("info");

export const registerSettingsSchema = z.object({
  marketplace: marketplaceUrl,
  keyFile: z.string().min(1).optional(),
  pair: z.string().trim().min(6, "must be at least 6 characters").max(64).optional(),
  price: z.coerce.string().pipe(priceSchema).optional(),
  endpoint: endpointSchema.default(""),
  name: z.string().trim().pipe(nodeNameSchema).optional(),
  benchmark: z.boolean().default(true),
});
export type RegisterSettings = z.infer<typeof registerSettingsSchema>;

export const startSettingsSchema = z.object({
  marketplace: marketplaceUrl,
  executor: z.enum(["docker", "bwrap", "process"], { error: "must be docker, bwrap or process" }).optional(),
  allowUnsandboxed: z.boolean().default(false),
  allowNetwork: z.boolean().default(false),
  imageAllowlist: z.array(z.string().trim().min(1)).default([]),
  maxOutputBytes: integer(1, MAX_OUTPUT_BYTES).default(MAX_OUTPUT_BYTES),
  heartbeatInterval: number(0.1, 3600).default(15),
  pollWait: integer(0, 25).default(25),
  shutdownGrace: number(0, 3600).default(30),
  dockerMemory: z
    .string()
    .regex(/^\d+[bkmg]?$/i, "must look like 16g or 8192m")
    .default("16g"),
  dockerCpus: number(0.01, 4096).default(os.cpus().length || 1),
  dockerPidsLimit: integer(16, 1_000_000).default(1024),
});
export type StartSettings = z.infer<typeof startSettingsSchema>;

export const statusSettingsSchema = z.object({ marketplace: marketplaceUrl.optional() });

export const gpusSettingsSchema = z.object({ benchmark: z.boolean().default(false) });
