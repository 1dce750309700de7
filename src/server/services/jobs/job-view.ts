import { z } from "zod";
import { jobTypeSchema } from "@computeswarm/protocol";
import type { Job, Node, Payment } from "@/generated/prisma/client";
import { FAILURE_REASONS, JOB_STATUSES } from "./job-states";
import { atomicToUsd } from "@/lib/money";
import { nodeDisplayName } from "@/lib/node-name";
import { explorerTxUrl, getNetworkByCaip2 } from "../../payments/networks";

export const jobViewSchema = z.object({
  id: z.string(),
  nodeId: z.string(),
  /** The node's name for people (nodeDisplayName); null where the node was not loaded. */
  nodeName: z.string().nullable(),
  buyerAddress: z.string(),
  jobType: jobTypeSchema,
  script: z.string(),
  /** The container image it runs in (name@sha256:digest), or null: the node's own runtime. */
  image: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  maxDurationSeconds: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  /** Null until released to this viewer (paid jobs: once the payment is settled). */
  output: z.string().nullable(),
  /** The exact output bytes (base64) when they are not plain UTF-8 text; `output` shows them with ␀/�. */
  outputBase64: z.string().nullable(),
  outputReleased: z.boolean(),
  outputTruncated: z.boolean(),
  error: z.string().nullable(),
  durationMs: z.number().nullable(),
  costUsd: z.string().nullable(),
  /** Log chunks that never arrived (holes in each stream's seq numbers); on the single-job read only. */
  logGaps: z.number().optional(),
  payment: z
    .object({
      scheme: z.string(),
      status: z.string(),
      /** The ceiling: held in escrow (auth-capture) or paid in full (exact). */
      amountUsdc: z.string(),
      /** What the seller got (fee included), the marketplace fee, what went back to the buyer; null until settled. */
      capturedUsdc: z.string().nullable(),
      feeUsdc: z.string().nullable(),
      returnedUsdc: z.string().nullable(),
      billedSeconds: z.number().nullable(),
      feeBps: z.number(),
      network: z.string(),
      authorizeTxHash: z.string().nullable(),
      txHash: z.string().nullable(),
      voidTxHash: z.string().nullable(),
      explorer: z.object({
        authorize: z.string().nullable(),
        capture: z.string().nullable(),
        void: z.string().nullable(),
      }),
      blockNumber: z.string().nullable(),
      captureDeadline: z.string().nullable(),
      confirmedAt: z.string().nullable(),
    })
    .nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;

/**
 * Output is released to the buyer, the node's seller and admins once the job is paid
 * for: free, held in escrow (the buyer can no longer take it back before the capture
 * deadline), or paid. Only a payment still being collected, or never collected, withholds it.
 */
export function outputReleased(_job: Job, payment: Payment | null): boolean {
  if (!payment) return true;
  return payment.status !== "authorizing" && payment.status !== "failed";
}

const usdcOf = (atomic: Payment["capturedAtomic"]) => (atomic === null ? null : atomicToUsd(BigInt(atomic.toFixed(0))));

export function toJobView(
  job: Job & { payment?: Payment | null; node?: Pick<Node, "name" | "gpuModel"> | null },
  opts: { showOutput: boolean },
): JobView {
  const payment = job.payment ?? null;
  const released = opts.showOutput && outputReleased(job, payment);
  return {
    id: job.id,
    nodeId: job.nodeId,
    nodeName: job.node ? nodeDisplayName(job.node) : null,
    buyerAddress: job.buyerAddress,
    jobType: job.jobType as JobView["jobType"],
    script: job.script,
    image: job.image ?? null,
    status: job.status as JobView["status"],
    failureReason: (job.failureReason as JobView["failureReason"]) ?? null,
    maxDurationSeconds: job.maxDurationSeconds,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
    exitCode: job.exitCode,
    output: released ? job.output : null,
    outputBase64: released ? job.outputBase64 : null,
    outputReleased: released,
    outputTruncated: job.outputTruncated,
    error: job.error,
    durationMs: job.durationMs,
    costUsd: job.costUsd?.toString() ?? null,
    payment: payment
      ? {
          scheme: payment.scheme,
          status: payment.status,
          amountUsdc: payment.amountUsdc.toString(),
          capturedUsdc: usdcOf(payment.capturedAtomic),
          feeUsdc: usdcOf(payment.feeAtomic),
          returnedUsdc: usdcOf(payment.returnedAtomic),
          billedSeconds: payment.billedSeconds,
          feeBps: payment.feeBps,
          network: payment.network,
          authorizeTxHash: payment.authorizeTxHash,
          txHash: payment.txHash,
          voidTxHash: payment.voidTxHash,
          explorer: {
            authorize: txUrl(payment.network, payment.authorizeTxHash),
            capture: txUrl(payment.network, payment.txHash),
            void: txUrl(payment.network, payment.voidTxHash),
          },
          blockNumber: payment.blockNumber?.toString() ?? null,
          captureDeadline: payment.captureDeadline?.toISOString() ?? null,
          confirmedAt: payment.confirmedAt?.toISOString() ?? null,
        }
      : null,
  };
}

function txUrl(caip2: string, txHash: string | null): string | null {
  const network = getNetworkByCaip2(caip2);
  return txHash && network ? explorerTxUrl(network, txHash) : null;
}
