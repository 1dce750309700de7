import { z } from "zod";

/**
 * What a buyer can ask a node to run, and the limits every door (the UI's
 * form, tRPC, the x402 door) holds a job to. Adding a job type starts here:
 * the agent then needs an executor for it, and the UI an example script.
 */
export const JOB_TYPES = ["python", "shell"] as const;
export const jobTypeSchema = z.enum(JOB_TYPES);
export type JobType = z.infer<typeof jobTypeSchema>;
/** How people read each job type (the job form, the node page). */
export const JOB_TYPE_LABELS: Record<JobType, string> = { python: "Python", shell: "Shell" };

/** The longest a job may run (its max duration, which is also what its quote is the price of). */
export const MAX_JOB_SECONDS = 24 * 3600;
/** The largest script, in UTF-8 bytes. */
export const MAX_SCRIPT_BYTES = 256 * 1024;
