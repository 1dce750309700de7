import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import type { z } from "zod";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { transformer } from "@/lib/transformer";
import { AppError } from "../errors";
import { enforceRateLimit, type RateLimitClass } from "../services/ratelimit/rate-limit";
import { isAdmin } from "../services/auth/siwe";
import type { Context } from "./context";
import { logInternal, toPublicError, toTRPCError } from "./errors";

export interface Meta {
  /** Which per-IP rate limit applies; "none" for agents (many nodes share one NAT). */
  rateLimit?: RateLimitClass | "none";
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    // Every tRPC error passes here, errors inside SSE subscriptions included: the one mapping.
    errorFormatter({ shape, error, ctx, path }) {
      const requestId = ctx?.requestId ?? "unknown";
      const pub = toPublicError(error, requestId);
      if (pub.internal) logInternal(ctx?.log, error, requestId, path ?? "trpc");
      return {
        message: pub.message,
        code: TRPC_ERROR_CODES_BY_KEY[pub.code],
        data: {
          code: pub.code,
          httpStatus: pub.status,
          path: shape.data.path,
          reason: pub.reason,
          details: pub.details,
          issues: pub.issues,
          requestId,
        },
      };
    },
  });

/**
 * A schema as tRPC's parser, checked synchronously. tRPC calls a zod schema's
 * parseAsync, which costs three times `parse` on a large answer (a discovery
 * page of 20 nodes: 190 µs against 60); our schemas have no async checks.
 * The types (input and output) are the schema's, as with the schema itself.
 */
export function syncParsed<S extends z.ZodType>(schema: S): Pick<S, "~standard" | "parse"> {
  return { "~standard": schema["~standard"], parse: (value: unknown) => schema.parse(value) };
}

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/** Every procedure: metrics, logs, the rate limit of its class. */
const base = t.procedure.use(async ({ ctx, path, type, meta, next }) => {
  const start = performance.now();
  if (type !== "subscription" && meta?.rateLimit !== "none") {
    try {
      await enforceRateLimit(ctx.deps, meta?.rateLimit ?? "default", ctx.ip);
    } catch (err) {
      if (err instanceof AppError && err.details?.retryAfterSeconds) {
        ctx.resHeaders.set("Retry-After", String(err.details.retryAfterSeconds));
      }
      ctx.deps.metrics.requests.inc({ procedure: path, code: "TOO_MANY_REQUESTS" });
      throw toTRPCError(err, ctx.requestId);
    }
  }
  const result = await next();
  const failure = result.ok ? undefined : toPublicError(result.error, ctx.requestId);
  const code = failure?.code ?? "OK";
  const retryAfter = failure?.details?.retryAfterSeconds;
  if (retryAfter) ctx.resHeaders.set("Retry-After", String(retryAfter));
  const ms = performance.now() - start;
  ctx.deps.metrics.requests.inc({ procedure: path, code });
  ctx.deps.metrics.latency.observe({ procedure: path }, ms / 1000);
  ctx.log.debug({ path, code, ms: Math.round(ms * 10) / 10, ip: ctx.ip }, "request");
  return result;
});

/**
 * Callers on the server (createCaller, tests) see the mapped TRPCError, not
 * the raw AppError: the same code a client over HTTP gets.
 */
const mapErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof TRPCError)) {
    const pub = toPublicError(result.error, ctx.requestId);
    if (pub.code !== result.error.code) throw toTRPCError(result.error.cause ?? result.error, ctx.requestId);
  }
  return result;
});

export const publicProcedure = base.use(mapErrors);

/**
 * Seller calls. A seller proves ownership with an EIP-712 signature carried in
 * the input (RegisterNode, UpdateNode, SetNodePaused); the service verifies
 * it in the same step that consumes its nonce, so a refused call spends nothing.
 * Dashboard reads use the seller's SIWE session (`ctx.session`) where present.
 */
export const sellerProcedure = publicProcedure.meta({ rateLimit: "register" });

/** Signed in with Ethereum (SIWE). */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in with your wallet first." });
  return next({ ctx: { session: ctx.session } });
});

/** Signed in with an address listed in ADMIN_ADDRESSES. */
export const adminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (!isAdmin(ctx.deps.env, ctx.session.address)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This is for ComputeSwarm admins only." });
  }
  return next({ ctx: { admin: ctx.session.address } });
});
