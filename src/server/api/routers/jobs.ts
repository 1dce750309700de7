import { z } from "zod";
import { int8String } from "@computeswarm/protocol";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { submitJobInputSchema } from "../../services/jobs/submit-job";
import { submitJob } from "../../services/payments/submit";
import { quoteInputSchema, quoteJob, quoteSchema } from "../../services/payments/quote";
import { cancelJob, getJob, jobLogs, jobUpdates, listJobs, listJobsInputSchema } from "../../services/jobs/job-queries";
import { jobViewSchema, toJobView } from "../../services/jobs/job-view";
import { jobSubmitBudget } from "../../services/ratelimit/rate-limit";

const jobIdInput = z.object({ id: z.string().uuid() });
/** Checked by the payments service (a malformed payment is a 402 with a reason, not a 400). */
const paymentInput = z.union([z.string().max(16_384), z.record(z.string(), z.unknown())]);
const logLineSchema = z.object({
  id: z.string(),
  seq: z.number(),
  stream: z.enum(["stdout", "stderr"]),
  data: z.string(),
  at: z.string(),
});

export const jobsRouter = router({
  /** The price as x402 PaymentRequirements (null for a free node) for the wallet to sign. */
  quote: publicProcedure
    .input(quoteInputSchema)
    .output(quoteSchema)
    .query(({ ctx, input }) => quoteJob(ctx.deps, input)),

  /** `payment`: the x402 PaymentPayload (or its base64 PAYMENT-SIGNATURE form), required for priced nodes. */
  // Counted as "default"; the job-submission budget is spent only once it creates a job (beforeQueue).
  submit: authedProcedure
    .meta({ rateLimit: "default" })
    .input(submitJobInputSchema.extend({ payment: paymentInput.optional() }))
    .output(jobViewSchema)
    .mutation(async ({ ctx, input: { payment, ...input } }) => {
      const { job } = await submitJob(ctx.deps, ctx.session.address, input, payment, {
        expectedPayer: ctx.session.address,
        beforeQueue: jobSubmitBudget(ctx.deps, ctx.ip),
      });
      return toJobView(job, { showOutput: true });
    }),

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
    .input(
      jobIdInput.extend({
        afterId: int8String("afterId must be").optional(),
      }),
    )
    .output(z.array(logLineSchema))
    .query(({ ctx, input }) => jobLogs(ctx.deps, ctx.session, input.id, input.afterId)),

  /** Live job state and log lines over SSE (httpSubscriptionLink), fed by Redis pub/sub. */
  onUpdate: authedProcedure
    .input(jobIdInput)
    .subscription(({ ctx, input, signal }) => jobUpdates(ctx.deps, ctx.session, input.id, signal)),
});
