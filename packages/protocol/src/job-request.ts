import { z } from "zod";
import { text } from "./fields";
import { jobTypeSchema, MAX_JOB_SECONDS, MAX_SCRIPT_BYTES } from "./jobs";
import { imageRefSchema } from "./v1";

/**
 * A buyer's job, as every door takes it (the UI's form, tRPC, the x402 door): the
 * form checks its fields with these same rules, so its messages are the server's.
 */
export const jobScriptSchema = text()
  .min(1, "The script is empty")
  .refine(
    (s) => new TextEncoder().encode(s).length <= MAX_SCRIPT_BYTES,
    `The script is larger than ${MAX_SCRIPT_BYTES / 1024} KB`,
  );

export const maxDurationSecondsSchema = z
  .number()
  .int()
  .min(1, "At least 1 second")
  .max(MAX_JOB_SECONDS, `At most ${MAX_JOB_SECONDS / 3600} hours`);

export const submitJobInputSchema = z.object({
  nodeId: z.string().uuid(),
  jobType: jobTypeSchema,
  script: jobScriptSchema,
  maxDurationSeconds: maxDurationSecondsSchema,
  /** One of the node's advertised images; default: the node's first (none on a node without images). */
  image: imageRefSchema.optional(),
});
export type SubmitJobInput = z.infer<typeof submitJobInputSchema>;
