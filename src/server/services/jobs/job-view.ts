import { z } from "zod";
import type { Job, Payment } from "@/generated/prisma/client";
import { FAILURE_REASONS, JOB_STATUSES } from "./job-states";

export const jobViewSchema = z.object({
  id: z.string(),
  nodeId: z.string(),
  buyerAddress: z.string(),
  jobType: z.enum(["python", "shell"]),
  script: z.string(),
  status: z.enum(JOB_STATUSES),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  maxDurationSeconds: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  /** Null until released to this viewer (paid jobs: once the payment is settled). */
  output: z.string().nullable(),
  outputReleased: z.boolean(),
  outputTruncated: z.boolean(),
  error: z.string().nullable(),
  durationMs: z.number().nullable(),
  costUsd: z.string().nullable(),
  payment: z
    .object({
      status: z.string(),
      amountUsdc: z.string(),
      network: z.string(),
      txHash: z.string().nullable(),
      blockNumber: z.string().nullable(),
      confirmedAt: z.string().nullable(),
    })
    .nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** Output is released once the job is paid for (or free), to the buyer, the node's seller and admins. */
export function outputReleased(job: Job, payment: Payment | null): boolean {
  if (!payment) return true;
  return payment.status === "confirmed";
}

export function toJobView(job: Job & { payment?: Payment | null }, opts: { showOutput: boolean }): JobView {
  const payment = job.payment ?? null;
  const released = opts.showOutput && outputReleased(job, payment);
  return {
    id: job.id,
    nodeId: job.nodeId,
    buyerAddress: job.buyerAddress,
    jobType: job.jobType as JobView["jobType"],
    script: job.script,
    status: job.status as JobView["status"],
    failureReason: (job.failureReason as JobView["failureReason"]) ?? null,
    maxDurationSeconds: job.maxDurationSeconds,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
    exitCode: job.exitCode,
    output: released ? job.output : null,
    outputReleased: released,
    outputTruncated: job.outputTruncated,
    error: job.error,
    durationMs: job.durationMs,
    costUsd: job.costUsd?.toString() ?? null,
    payment: payment
      ? {
          status: payment.status,
          amountUsdc: payment.amountUsdc.toString(),
          network: payment.network,
          txHash: payment.txHash,
          blockNumber: payment.blockNumber?.toString() ?? null,
          confirmedAt: payment.confirmedAt?.toISOString() ?? null,
        }
      : null,
  };
}
