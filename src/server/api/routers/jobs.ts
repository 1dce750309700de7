import { z } from "zod";
import { authedProcedure, router } from "../trpc";
import { submitFreeJob, submitJobInputSchema } from "../../services/jobs/submit-job";
import { cancelJob, getJob, jobLogs, jobUpdates, listJobs, listJobsInputSchema } from "../../services/jobs/job-queries";
import { jobViewSchema, toJobView } from "../../services/jobs/job-view";

const jobIdInput = z.object({ id: z.string().uuid() });
const logLineSchema = z.object({
  id: z.string(),
  seq: z.number(),
  stream: z.enum(["stdout", "stderr"]),
  data: z.string(),
  at: z.string(),
});

export const jobsRouter = router({
  submit: authedProcedure
    .meta({ rateLimit: "jobSubmit" })
    .input(submitJobInputSchema)
    .output(jobViewSchema)
    .mutation(async ({ ctx, input }) =>
      toJobView(await submitFreeJob(ctx.deps, ctx.session.address, input), { showOutput: true }),
    ),

  get: authedProcedure
    .input(jobIdInput)
    .output(jobViewSchema)
    .query(({ ctx, input }) => getJob(ctx.deps, ctx.session, input.id)),

  list: authedProcedure
    .input(listJobsInputSchema.default({ role: "buyer", limit: 20 }))
    .output(z.object({ items: z.array(jobViewSchema), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listJobs(ctx.deps, ctx.session, input)),

  cancel: authedProcedure
    .input(jobIdInput)
    .output(jobViewSchema)
    .mutation(({ ctx, input }) => cancelJob(ctx.deps, ctx.session, input.id)),

  logs: authedProcedure
    .input(jobIdInput.extend({ afterId: z.string().regex(/^\d{1,20}$/).optional() }))
    .output(z.array(logLineSchema))
    .query(({ ctx, input }) => jobLogs(ctx.deps, ctx.session, input.id, input.afterId)),

  /** Live job state and log lines over SSE (httpSubscriptionLink), fed by Redis pub/sub. */
  onUpdate: authedProcedure
    .input(jobIdInput)
    .subscription(({ ctx, input, signal }) => jobUpdates(ctx.deps, ctx.session, input.id, signal)),
});
