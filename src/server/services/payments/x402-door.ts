import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { publicUrl } from "../../public-url";
import { paymentRequiredOf } from "../../payments/requirements";
import { enforceRateLimit, jobSubmitBudget } from "../ratelimit/rate-limit";
import type { SubmitJobInput } from "../jobs/submit-job";
import { jobViewSchema, toJobView } from "../jobs/job-view";
import { loadQuote, paymentDescription } from "./quote";
import { submitJob } from "./submit";
import { flushJobLogs } from "../jobs/log-buffer";

/**
 * The plain x402 door to the same submission service: POST /api/x402/jobs answers
 * 402 with PAYMENT-REQUIRED until the request carries PAYMENT-SIGNATURE, then 201
 * with the job id, a status URL and a bearer token for it, and PAYMENT-RESPONSE.
 * The payer is the buyer; no account is needed. With auth-capture the 201 comes once
 * the escrow holds the ceiling (PAYMENT-RESPONSE: the authorize transaction, status
 * "held"; the seconds used are captured after the job); with exact once the ceiling was
 * paid (the transfer). The same payment sent again answers 200 with the same job, and
 * no access token (only the first answer carries it: a payment is public once on chain).
 */
const ACCESS_TOKEN_PREFIX = "csj_";

export const hashAccessToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const x402JobCreatedSchema = z.object({
  jobId: z.string(),
  statusUrl: z.string(),
  /** Null when this is the same payment sent again: the token was handed out with the first answer. */
  accessToken: z.string().nullable(),
  status: z.string(),
  payer: z.string().nullable(),
  amountUsd: z.string(),
  payment: z
    .object({ scheme: z.string(), status: z.string(), heldUsd: z.string(), transaction: z.string().nullable() })
    .nullable(),
  resent: z.boolean(),
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function paymentRequiredResponse(
  accepts: PaymentRequirements[],
  description: string,
  resourceUrl: string,
  reason: string,
  message: string,
): Response {
  const paymentRequired = paymentRequiredOf(accepts, { url: resourceUrl, description }, reason);
  return json(
    402,
    { ...paymentRequired, reason, message },
    { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(paymentRequired), "Cache-Control": "no-store" },
  );
}

export async function x402SubmitJob(
  deps: Deps,
  req: Pick<Request, "url"> & { headers: Pick<Headers, "get"> },
  input: SubmitJobInput,
  ip: string,
): Promise<Response> {
  const resourceUrl = publicUrl(deps.env, new URL(req.url).pathname);
  const signature = req.headers.get("payment-signature")?.trim() || undefined;
  // Every request counts as "default"; only one that creates a job spends the submission budget.
  await enforceRateLimit(deps, "default", ip);

  const quote = await loadQuote(deps, input);
  const description = paymentDescription(quote);
  if (!signature && quote.requirements) {
    return paymentRequiredResponse(
      quote.accepts,
      description,
      resourceUrl,
      "payment_required",
      `This job holds at most ${quote.amountUsd} USDC.`,
    );
  }
  const accessToken = `${ACCESS_TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
  try {
    const { job, resent } = await submitJob(deps, null, input, signature, {
      accessTokenHash: hashAccessToken(accessToken),
      quote,
      beforeQueue: jobSubmitBudget(deps, ip),
    });
    const row = job.payment;
    const body: z.infer<typeof x402JobCreatedSchema> = {
      jobId: job.id,
      statusUrl: publicUrl(deps.env, `/api/x402/jobs/${job.id}`),
      accessToken: resent ? null : accessToken,
      status: job.status,
      payer: row?.fromAddress ?? null,
      amountUsd: quote.amountUsd,
      payment: row
        ? {
            scheme: row.scheme,
            status: row.status,
            heldUsd: row.amountUsdc.toString(),
            transaction: row.authorizeTxHash ?? row.txHash ?? null,
          }
        : null,
      resent,
    };
    const headers: Record<string, string> = {};
    if (row) {
      headers["PAYMENT-RESPONSE"] = encodePaymentResponseHeader({
        success: true,
        transaction: row.authorizeTxHash ?? row.txHash ?? "",
        network: row.network as `${string}:${string}`,
        payer: row.fromAddress,
        amount: row.amountAtomic.toFixed(0),
        extra: {
          scheme: row.scheme,
          status: row.status,
          jobId: job.id,
          ...(row.scheme === "auth-capture"
            ? { settlement: "capture_seconds_used", paymentInfoHash: row.paymentInfoHash }
            : { settlement: "at_submission" }),
        },
      });
    }
    return json(resent ? 200 : 201, body, headers);
  } catch (err) {
    const accepts = err instanceof AppError ? (err.details?.accepts as PaymentRequirements[] | undefined) : undefined;
    if (err instanceof AppError && err.code === "PAYMENT_REQUIRED" && accepts) {
      return paymentRequiredResponse(accepts, description, resourceUrl, err.reason ?? "payment_required", err.message);
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
  await flushJobLogs(deps, jobId);
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
