import { randomUUID } from "node:crypto";
import { gpuInfoSchema, JOB_TYPES, type SubmitJobInput } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { presenceOf } from "../nodes/presence";
import { deriveNodeStatus } from "../nodes/node-status";
import type { Job, Node, Payment, Prisma } from "@/generated/prisma/client";
import { publishCommitted } from "../events/bus";
import { announceJob, nudgeChannel } from "./transition";
import { atomicToUsd, quoteAtomic } from "@/lib/money";
import type { Reason } from "@/lib/reasons";

// The buyer's job as every door takes it; the UI's form checks it with the same rules.
export { submitJobInputSchema, type SubmitJobInput } from "@computeswarm/protocol";

/** A node a buyer can submit to right now, or a clear reason why not. */
export async function loadSubmittableNode(
  deps: Deps,
  input: Pick<SubmitJobInput, "nodeId" | "jobType" | "image">,
): Promise<Node> {
  // The row and the liveness together: one round trip's wait, not two.
  const [node, presences] = await Promise.all([
    deps.prisma.node.findUnique({ where: { id: input.nodeId } }),
    presenceOf(deps, [input.nodeId]),
  ]);
  if (!node) throw new AppError("NOT_FOUND", `Node ${input.nodeId} does not exist.`, "node_not_found");
  const presence = presences.get(node.id);
  const status = deriveNodeStatus(
    node.status,
    presence?.lastSeenMs,
    deps.clock.now().getTime(),
    deps.env.HEARTBEAT_TTL_SECONDS,
  );
  const refusals: Partial<Record<typeof status, [string, Reason]>> = {
    offline: ["This node is offline (its agent has not checked in for a minute).", "node_offline"],
    paused: ["This node is paused by its seller and takes no new jobs.", "node_paused"],
    suspended: ["This node is suspended by ComputeSwarm.", "node_suspended"],
  };
  const refusal = refusals[status];
  if (refusal) throw new AppError("PRECONDITION_FAILED", refusal[0], refusal[1]);
  const jobTypes = gpuInfoSchema.parse(node.gpuInfo).jobTypes ?? JOB_TYPES;
  if (!jobTypes.includes(input.jobType)) {
    throw new AppError(
      "BAD_REQUEST",
      `This node runs ${jobTypes.join(" and ")} jobs, not ${input.jobType}.`,
      "job_type_unsupported",
    );
  }
  if (input.image !== undefined && !node.images.includes(input.image)) {
    throw new AppError(
      "BAD_REQUEST",
      node.images.length
        ? `This node does not offer the image ${input.image}; it offers ${node.images.join(", ")}.`
        : "This node runs jobs without a container image: leave the image out.",
      "image_not_offered",
    );
  }
  return node;
}

/** The image a job on `node` runs in: the buyer's choice (checked above) or the node's first. */
export function jobImageFor(node: Pick<Node, "images">, requested?: string): string | null {
  return requested ?? node.images[0] ?? null;
}

/** The job's price for the node: price per hour × max duration, rounded up to the USDC unit. */
export function jobCost(node: Pick<Node, "pricePerHour">, maxDurationSeconds: number) {
  const atomic = quoteAtomic(node.pricePerHour.toString(), maxDurationSeconds);
  return { atomic, usd: atomicToUsd(atomic) };
}

/**
 * Queues a job. `payment` (payments) is written with it in one transaction, so a job and
 * its payment row exist together or not at all: a batch (the job's id made here), which
 * costs two inserts and no reads, unlike an interactive transaction or a nested create.
 * A paid job is claimable only once its payment is collected: the nudge for it comes
 * then, not here.
 */
export async function queueJob(
  deps: Deps,
  buyer: string,
  input: SubmitJobInput,
  node: Node,
  extra: {
    accessTokenHash?: string;
    payment?: Omit<Prisma.PaymentUncheckedCreateInput, "jobId">;
  } = {},
): Promise<Job & { payment: Payment | null }> {
  const cost = jobCost(node, input.maxDurationSeconds);
  const data = {
    id: randomUUID(),
    buyerAddress: buyer,
    nodeId: node.id,
    jobType: input.jobType,
    script: input.script,
    maxDurationSeconds: input.maxDurationSeconds,
    image: jobImageFor(node, input.image),
    costUsd: cost.usd,
    accessTokenHash: extra.accessTokenHash,
  };
  const job = extra.payment
    ? await deps.prisma
        .$transaction([
          deps.prisma.job.create({ data }),
          deps.prisma.payment.create({ data: { ...extra.payment, jobId: data.id } }),
        ])
        .then(([created, payment]) => ({ ...created, payment }))
    : { ...(await deps.prisma.job.create({ data })), payment: null };
  // Committed: from here the answer is the job. The nudge is best-effort; claims also recheck.
  // A paid job is claimable only once its payment is collected (markCollected nudges then).
  await Promise.all([
    extra.payment ? undefined : publishCommitted(deps, nudgeChannel(node.id), { jobId: job.id }),
    announceJob(deps, job),
  ]);
  return job;
}
