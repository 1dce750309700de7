import "server-only";
import { z } from "zod";
import { int8String } from "@computeswarm/protocol";
import { jsonRoute } from "./json-route";
import { submitJobInputSchema } from "../services/jobs/submit-job";
import { x402ReadJob, x402SubmitJob } from "../services/payments/x402-door";

/** POST /api/x402/jobs and GET /api/x402/jobs/{id}: the plain x402 resource (services/payments/x402-door.ts). */
export const postX402Job = jsonRoute({
  name: "x402.jobs.create",
  input: submitJobInputSchema,
  // Unpaid requests count as "default", paid ones as "jobSubmit" (inside the service).
  rateLimit: "none",
  handler: (ctx, input) => x402SubmitJob(ctx.deps, ctx.req, input, ctx.ip),
});

// Built once: a zod schema costs more to build than to run.
const jobIdSchema = z.string().uuid("the job id in the path is not a UUID");
const afterIdSchema = int8String("afterId (a log id) must be");

export const getX402Job = jsonRoute({
  name: "x402.jobs.get",
  rateLimit: "default",
  handler: (ctx) => {
    const id = jobIdSchema.parse(ctx.params.id);
    const afterId = new URL(ctx.req.url).searchParams.get("afterId") ?? undefined;
    const after = afterId === undefined ? undefined : afterIdSchema.parse(afterId);
    return x402ReadJob(ctx.deps, id, ctx.req.headers.get("authorization"), after);
  },
});
