import { initTRPC, TRPCError } from "@trpc/server";
import { transformer } from "@/lib/transformer";
import { AppError } from "../errors";
import { enforceRateLimit, type RateLimitClass } from "../services/ratelimit/rate-limit";
import { authenticateAgent } from "../services/nodes/agent-auth";
import { isAdmin } from "../services/auth/siwe";
import type { Context } from "./context";
import { describeZodError, toTRPCError } from "./errors";
import { asUnavailable } from "../unavailable";
import { ZodError } from "zod";

export interface Meta {
  /** Which per-IP rate limit applies; "none" for agents (many nodes share one NAT). */
  rateLimit?: RateLimitClass | "none";
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const zod = cause instanceof ZodError ? cause : undefined;
      return {
        ...shape,
        message: zod ? describeZodError(zod) : shape.message,
        data: {
          ...shape.data,
          stack: undefined,
          reason: cause instanceof AppError ? (cause.reason ?? null) : zod ? "invalid_input" : null,
          details: cause instanceof AppError ? (cause.details ?? null) : null,
          issues: zod ? zod.issues.map((i) => ({ path: i.path.join("."), message: i.message })) : null,
        },
      };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/** Every procedure: AppError → TRPCError, metrics, logs, the rate limit of its class. */
const base = t.procedure.use(async ({ ctx, path, type, meta, next }) => {
  const start = performance.now();
  if (type !== "subscription" && meta?.rateLimit !== "none") {
    try {
      await enforceRateLimit(ctx.deps, meta?.rateLimit ?? "default", ctx.ip);
    } catch (thrown) {
      const err = asUnavailable(thrown) ?? thrown;
      if (err instanceof AppError && err.details?.retryAfterSeconds) {
        ctx.resHeaders.set("Retry-After", String(err.details.retryAfterSeconds));
      }
      ctx.deps.metrics.requests.inc({
        procedure: path,
        code: err instanceof AppError ? err.code : "TOO_MANY_REQUESTS",
      });
      throw toTRPCError(err);
    }
  }
  const result = await next();
  const code = result.ok ? "OK" : result.error.code;
  if (!result.ok && result.error.cause instanceof AppError && result.error.cause.details?.retryAfterSeconds) {
    ctx.resHeaders.set("Retry-After", String(result.error.cause.details.retryAfterSeconds));
  }
  const ms = performance.now() - start;
  ctx.deps.metrics.requests.inc({ procedure: path, code });
  ctx.deps.metrics.latency.observe({ procedure: path }, ms / 1000);
  if (!result.ok && code === "INTERNAL_SERVER_ERROR")
    ctx.log.error({ err: result.error.cause, path }, "procedure failed");
  else ctx.log.debug({ path, code, ms: Math.round(ms * 10) / 10, ip: ctx.ip }, "request");
  return result;
});

/** Converts thrown AppErrors inside the resolver into their tRPC codes. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof ZodError) && result.error.cause instanceof AppError) {
    const mapped = toTRPCError(result.error.cause);
    throw mapped;
  }
  // PostgreSQL or Redis not answering: 503 with Retry-After (unavailable.ts), not a 500.
  if (!result.ok && asUnavailable(result.error.cause)) throw toTRPCError(result.error.cause);
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

/** Calls from a node's agent: `Authorization: Bearer <agentToken>`. */
export const agentProcedure = publicProcedure.meta({ rateLimit: "none" }).use(async ({ ctx, next }) => {
  try {
    const agent = await authenticateAgent(ctx.deps, ctx.headers.get("authorization"));
    return next({ ctx: { agent } });
  } catch (err) {
    throw toTRPCError(err);
  }
});

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
