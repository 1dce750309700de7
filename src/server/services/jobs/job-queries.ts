import { z } from "zod";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { isAdmin } from "../auth/siwe";
import { JOB_STATUSES } from "./job-states";
import { toJobView } from "./job-view";
import { finishJob } from "./transition";
import { openChannel } from "../events/bus";
import { flushJobLogs } from "./log-buffer";

/** Who is asking: buyers see their jobs, sellers the jobs on their nodes, admins all. */
export interface Viewer {
  address: string;
}

async function visibleJob(deps: Deps, viewer: Viewer, jobId: string) {
  const job = await deps.prisma.job.findUnique({ where: { id: jobId }, include: { payment: true, node: true } });
  const same = (a: string) => a.toLowerCase() === viewer.address.toLowerCase();
  const allowed = job && (same(job.buyerAddress) || same(job.node.sellerAddress) || isAdmin(deps.env, viewer.address));
  if (!job || !allowed) throw new AppError("NOT_FOUND", `No job ${jobId} that you can see.`, "job_not_found");
  return job;
}

export async function getJob(deps: Deps, viewer: Viewer, jobId: string) {
  const job = await visibleJob(deps, viewer, jobId);
  await flushJobLogs(deps, jobId); // chunks this process acknowledged count as arrived
  return { ...toJobView(job, { showOutput: true }), logGaps: await countLogGaps(deps, jobId) };
}

/**
 * Chunks the agent numbered but that never arrived: per stream, seq runs from
 * 0, so max(seq) + 1 - count is how many are missing (retries are stored once).
 */
export async function countLogGaps(deps: Pick<Deps, "prisma">, jobId: string): Promise<number> {
  const [row] = await deps.prisma.$queryRaw<{ missing: bigint | null }[]>`
    SELECT sum(per_stream.missing)::bigint AS missing FROM (
      SELECT max(seq)::bigint + 1 - count(*) AS missing FROM job_logs WHERE job_id = ${jobId}::uuid GROUP BY stream
    ) per_stream`;
  return Number(row?.missing ?? 0);
}

export const listJobsInputSchema = z.object({
  role: z.enum(["buyer", "seller"]).default("buyer"),
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().uuid().optional(),
});

/** Newest first; keyset pagination on (created_at, id). */
export async function listJobs(deps: Deps, viewer: Viewer, input: z.infer<typeof listJobsInputSchema>) {
  const mine = { equals: viewer.address, mode: "insensitive" as const };
  const where = {
    ...(input.role === "buyer" ? { buyerAddress: mine } : { node: { sellerAddress: mine } }),
    ...(input.status ? { status: input.status } : {}),
  };
  const rows = await deps.prisma.job.findMany({
    where,
    include: { payment: true, node: { select: { name: true, gpuModel: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((j) => ({ ...toJobView(j, { showOutput: false }), script: "" })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function jobLogs(deps: Deps, viewer: Viewer, jobId: string, afterId?: string) {
  await visibleJob(deps, viewer, jobId);
  await flushJobLogs(deps, jobId);
  const logs = await deps.prisma.jobLog.findMany({
    where: { jobId, ...(afterId ? { id: { gt: BigInt(afterId) } } : {}) },
    orderBy: { id: "asc" },
    take: 1000,
  });
  return logs.map((l) => ({
    id: l.id.toString(),
    seq: l.seq,
    stream: l.stream as "stdout" | "stderr",
    data: l.data,
    at: l.createdAt.toISOString(),
  }));
}

/** The buyer cancels a job that has not started; it is never billed. */
export async function cancelJob(deps: Deps, viewer: Viewer, jobId: string) {
  const current = await visibleJob(deps, viewer, jobId);
  if (current.buyerAddress.toLowerCase() !== viewer.address.toLowerCase()) {
    throw new AppError("FORBIDDEN", "Only the buyer can cancel a job.", "not_buyer");
  }
  const job = await finishJob(
    deps,
    jobId,
    "cancelled",
    { failureReason: "cancelled", completedAt: deps.clock.now() },
    { from: ["queued"] },
  );
  if (!job) {
    throw new AppError(
      "CONFLICT",
      `The job is ${current.status}; only a queued job can be cancelled.`,
      "not_cancellable",
    );
  }
  return toJobView({ ...job, payment: current.payment, node: current.node }, { showOutput: true });
}

/**
 * Live updates of one job: its current view first, then a fresh view on every
 * status change and each log chunk as it arrives (Redis pub/sub, any instance).
 */
export async function* jobUpdates(deps: Deps, viewer: Viewer, jobId: string, signal?: AbortSignal) {
  await visibleJob(deps, viewer, jobId);
  // Subscribe before reading the state, so no change can fall in between.
  const channel = await openChannel(deps, `job:${jobId}`);
  try {
    yield { type: "job" as const, job: await getJob(deps, viewer, jobId) };
  } catch (err) {
    await channel.close();
    throw err;
  }
  for await (const raw of channel.iterate(signal)) {
    const event = JSON.parse(raw) as { type: string; seq?: number; stream?: "stdout" | "stderr"; data?: string };
    if (event.type === "log") {
      yield {
        type: "log" as const,
        log: { seq: event.seq ?? 0, stream: event.stream ?? "stdout", data: event.data ?? "" },
      };
    } else {
      yield { type: "job" as const, job: await getJob(deps, viewer, jobId) };
    }
  }
}
