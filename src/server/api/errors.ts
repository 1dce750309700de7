import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { ZodError } from "zod";
import { AppError, httpStatusOf } from "../errors";
import type { Reason } from "@/lib/reasons";
import type { Logger } from "../logger";
import { asUnavailable } from "../unavailable";

/**
 * The one mapping of thrown errors to what a client sees, for tRPC (the error
 * formatter, SSE subscriptions included) and the plain HTTP routes alike.
 * Client mistakes keep their message; anything unexpected becomes
 * "Internal error" with the request id, and its detail goes to the log only.
 */
export interface PublicError {
  /** A tRPC error code (AppErrorCode is a subset). */
  code: TRPCError["code"];
  status: number;
  message: string;
  reason: Reason | null;
  details: Record<string, unknown> | null;
  issues: { path: string; message: string }[] | null;
  /** Not the client's doing: log it with its detail. */
  internal: boolean;
}

/** "pricePerHour: must be a non-negative decimal…; gpuInfo.vramMiB: Too small…" */
export function describeZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "input"}: ${i.message}`)
    .join("; ");
}

/**
 * PostgreSQL data exceptions (class 22: bad bytes, out-of-range numbers and
 * dates) are the client's values that slipped past a schema. The schemas
 * (protocol/fields.ts) should catch them first; this keeps them a 400 anyway.
 */
function postgresDataException(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === "object" && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    for (const c of [o.code, o.originalCode]) if (typeof c === "string" && /^22[0-9A-Z]{3}$/.test(c)) return c;
    e = o.meta?.driverAdapterError ?? o.cause;
  }
  return undefined;
}

export function toPublicError(err: unknown, requestId: string): PublicError {
  const cause = err instanceof TRPCError && err.cause ? err.cause : err;
  // PostgreSQL or Redis not answering: 503 with Retry-After (unavailable.ts), not a 500.
  const unavailable = asUnavailable(cause);
  if (unavailable) return toPublicError(unavailable, requestId);
  if (cause instanceof AppError && cause.code !== "INTERNAL_SERVER_ERROR") {
    return {
      code: cause.code,
      status: httpStatusOf[cause.code],
      message: cause.message,
      reason: cause.reason ?? null,
      details: cause.details ?? null,
      issues: null,
      internal: false,
    };
  }
  if (cause instanceof ZodError) {
    return {
      code: "BAD_REQUEST",
      status: 400,
      message: describeZodError(cause),
      reason: "invalid_input",
      details: null,
      issues: cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      internal: false,
    };
  }
  const pgCode = postgresDataException(cause);
  if (pgCode) {
    return {
      code: "BAD_REQUEST",
      status: 400,
      message: "A value in the request cannot be stored (out of range or invalid characters).",
      reason: "invalid_input",
      details: null,
      issues: null,
      internal: false,
    };
  }
  // tRPC's own errors (parse errors, unknown procedures, UNAUTHORIZED from a middleware…).
  if (err instanceof TRPCError && err.code !== "INTERNAL_SERVER_ERROR" && !(err.cause instanceof AppError)) {
    return {
      code: err.code,
      status: getHTTPStatusCodeFromError(err),
      message: err.message,
      reason: null,
      details: null,
      issues: null,
      internal: false,
    };
  }
  return {
    code: "INTERNAL_SERVER_ERROR",
    status: 500,
    message: `Internal error (request id ${requestId}).`,
    reason: null,
    details: null,
    issues: null,
    internal: true,
  };
}

/** Logs what the client does not see. */
export function logInternal(log: Logger | undefined, err: unknown, requestId: string, path: string) {
  const cause = err instanceof TRPCError && err.cause ? err.cause : err;
  log?.error({ err: cause, requestId, path }, "request failed");
}

/** The same mapping as a TRPCError, for code that must throw one. */
export function toTRPCError(err: unknown, requestId = "unknown"): TRPCError {
  if (err instanceof TRPCError) return err;
  const pub = toPublicError(err, requestId);
  return new TRPCError({ code: pub.code, message: pub.message, cause: err instanceof Error ? err : undefined });
}

/** A plain HTTP answer, whichever server writes it (Next's route handlers or the lean layer, http/lean). */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  /** Text (JSON, metrics) or bytes (the agent download). */
  body: string | Uint8Array;
}

/** The plain HTTP routes' error body: { error: { code, reason, message, details, requestId } }. */
export function errorAnswer(
  err: unknown,
  requestId: string,
  log?: Logger,
  path = "http",
): PlainResponse & { body: string } {
  const pub = toPublicError(err, requestId);
  if (pub.internal) logInternal(log, err, requestId, path);
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  const retry = pub.details?.retryAfterSeconds;
  if (retry) headers["retry-after"] = String(retry);
  const body = JSON.stringify({
    error: {
      code: pub.code,
      reason: pub.reason,
      message: pub.message,
      details: pub.details,
      ...(pub.issues ? { issues: pub.issues } : {}),
      requestId,
    },
  });
  return { status: pub.status, headers, body };
}

/** The same answer as a fetch Response. */
export function errorResponse(err: unknown, requestId: string, log?: Logger, path = "http"): Response {
  const a = errorAnswer(err, requestId, log, path);
  return new Response(a.body, { status: a.status, headers: a.headers });
}
