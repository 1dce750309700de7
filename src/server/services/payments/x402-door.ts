import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { paymentRequiredOf } from "../../payments/requirements";
import { enforceRateLimit } from "../ratelimit/rate-limit";
import type { SubmitJobInput } from "../jobs/submit-job";
import { jobViewSchema, toJobView } from "../jobs/job-view";
import { loadQuote } from "./quote";
import { submitJob } from "./submit";

/**
 * The plain x402 door to the same submission service: POST /api/x402/jobs answers
 * 402 with PAYMENT-REQUIRED until the request carries PAYMENT-SIGNATURE, then 201
 * with the job id, a status URL and a bearer token for it, and PAYMENT-RESPONSE.
 * The payer is the buyer; no account is needed. Settlement happens after delivery,
 * so PAYMENT-RESPONSE says the payment is accepted and pending.
 */
const ACCESS_TOKEN_PREFIX = "csj_";

export const hashAccessToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const x402JobCreatedSchema = z.object({
  jobId: z.string(),
  statusUrl: z.string(),
  accessToken: z.string(),
  status: z.string(),
  payer: z.string().nullable(),
  amountUsd: z.string(),
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function paymentRequiredResponse(
  requirements: PaymentRequirements,
  resourceUrl: string,
  reason: string,
  message: string,
): Response {
  const paymentRequired = paymentRequiredOf(
    requirements,
    { url: resourceUrl, description: "A compute job on a ComputeSwarm GPU node" },
    reason,
  );
  return json(
    402,
    { ...paymentRequired, reason, message },
    { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(paymentRequired), "Cache-Control": "no-store" },
  );
}

export async function x402SubmitJob(deps: Deps, req: Request, input: SubmitJobInput, ip: string): Promise<Response> {
  const url = new URL(req.url);
  const resourceUrl = `${url.origin}${url.pathname}`;
  const signature = req.headers.get("payment-signature")?.trim() || undefined;
  await enforceRateLimit(deps, signature ? "jobSubmit" : "default", ip);

  if (!signature) {
    const quote = await loadQuote(deps, input);
    if (quote.requirements) {
      return paymentRequiredResponse(
        quote.requirements,
        resourceUrl,
        "payment_required",
        `This job costs ${quote.amountUsd} USDC.`,
      );
    }
  }
  const accessToken = `${ACCESS_TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
  try {
    const { job, quote, payment } = await submitJob(deps, null, input, signature, {
      accessTokenHash: hashAccessToken(accessToken),
    });
    const body: z.infer<typeof x402JobCreatedSchema> = {
      jobId: job.id,
      statusUrl: `${url.origin}/api/x402/jobs/${job.id}`,
      accessToken,
      status: job.status,
      payer: payment?.from ?? null,
      amountUsd: quote.amountUsd,
    };
    const headers: Record<string, string> = {};
    if (payment) {
      headers["PAYMENT-RESPONSE"] = encodePaymentResponseHeader({
        success: true,
        transaction: "",
        network: payment.requirements.network as `${string}:${string}`,
        payer: payment.from,
        amount: payment.value.toString(),
        extra: { settlement: "after_delivery", status: "pending", jobId: job.id },
      });
    }
    return json(201, body, headers);
  } catch (err) {
    const requirements =
      err instanceof AppError ? (err.details?.requirements as PaymentRequirements | undefined) : undefined;
    if (err instanceof AppError && err.code === "PAYMENT_REQUIRED" && requirements) {
      return paymentRequiredResponse(requirements, resourceUrl, err.reason ?? "payment_required", err.message);
    }
    throw err;
  }
}

export const x402JobStatusSchema = jobViewSchema.extend({
  logs: z.array(z.object({ id: z.string(), seq: z.number(), stream: z.string(), data: z.string(), at: z.string() })),
});

/** GET /api/x402/jobs/{id} with the bearer token handed out at submission. */
export async function x402ReadJob(deps: Deps, jobId: string, authorization: string | null, afterLogId?: string) {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!token)
    throw new AppError(
      "UNAUTHORIZED",
      "Send the job's access token: Authorization: Bearer <accessToken>.",
      "access_token_missing",
    );
  const job = await deps.prisma.job.findUnique({ where: { id: jobId }, include: { payment: true } });
  const expected = job?.accessTokenHash ? Buffer.from(job.accessTokenHash, "hex") : undefined;
  const given = Buffer.from(hashAccessToken(token), "hex");
  if (!job || !expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AppError("NOT_FOUND", `No job ${jobId} for this access token.`, "job_not_found");
  }
  const logs = await deps.prisma.jobLog.findMany({
    where: { jobId, ...(afterLogId ? { id: { gt: BigInt(afterLogId) } } : {}) },
    orderBy: { id: "asc" },
    take: 1000,
  });
  return {
    ...toJobView(job, { showOutput: true }),
    logs: logs.map((l) => ({
      id: l.id.toString(),
      seq: l.seq,
      stream: l.stream,
      data: l.data,
      at: l.createdAt.toISOString(),
    })),
  };
}
