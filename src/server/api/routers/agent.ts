import { z } from "zod";
import {
  ackResponseSchema,
  appendLogRequestSchema,
  claimRequestSchema,
  claimResponseSchema,
  completeRequestSchema,
  failRequestSchema,
  heartbeatRequestSchema,
  heartbeatResponseSchema,
} from "@computeswarm/protocol";
import { agentProcedure, router } from "../trpc";
import { recordHeartbeat } from "../../services/nodes/heartbeat";
import { claimJob } from "../../services/jobs/claim-job";
import { appendJobLog, completeJob, failJob } from "../../services/jobs/report-job";

/**
 * The agent's calls as tRPC procedures. Agents in the field use the versioned
 * plain-HTTP door (/api/agent/v1, server/agent-api) that calls the same services.
 */
const jobId = z.object({ jobId: z.string().uuid() });

export const agentRouter = router({
  heartbeat: agentProcedure
    .input(heartbeatRequestSchema)
    .output(heartbeatResponseSchema)
    .mutation(async ({ ctx, input }) => ({
      ok: true as const,
      ...(await recordHeartbeat(ctx.deps, ctx.agent, input)),
    })),

  claim: agentProcedure
    .input(claimRequestSchema)
    .output(claimResponseSchema)
    .mutation(async ({ ctx, input, signal }) => ({ job: await claimJob(ctx.deps, ctx.agent, input, signal) })),

  appendLog: agentProcedure
    .input(appendLogRequestSchema.extend(jobId.shape))
    .output(ackResponseSchema.extend({ dropped: z.boolean() }))
    .mutation(({ ctx, input: { jobId, ...chunk } }) => appendJobLog(ctx.deps, ctx.agent, jobId, chunk)),

  complete: agentProcedure
    .input(completeRequestSchema.extend(jobId.shape))
    .output(ackResponseSchema)
    .mutation(({ ctx, input: { jobId, ...report } }) => completeJob(ctx.deps, ctx.agent, jobId, report)),

  fail: agentProcedure
    .input(failRequestSchema.extend(jobId.shape))
    .output(ackResponseSchema)
    .mutation(({ ctx, input: { jobId, message } }) => failJob(ctx.deps, ctx.agent, jobId, { message })),
});
