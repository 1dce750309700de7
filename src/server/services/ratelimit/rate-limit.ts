import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";

/**
 * Per-IP limits by route class, counted in Redis so that every app instance
 * shares them. Defaults: 10/min discovery, 1/min job submission; all are
 * configurable through RATE_LIMIT_*.
 *
 * The job-submission budget ("jobSubmit") is spent only by a submission that
 * creates a job (a free job, or a payment that verified): see
 * jobSubmitBudget. Quotes and unpaid 402 answers (no payment, an invalid one)
 * count as "default" requests.
 */
export const RATE_LIMIT_CLASSES = ["discovery", "jobSubmit", "register", "default"] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

function pointsFor(env: Deps["env"], cls: RateLimitClass): number {
  switch (cls) {
    case "discovery":
      return env.RATE_LIMIT_DISCOVERY_PER_MIN;
    case "jobSubmit":
      return env.RATE_LIMIT_JOB_SUBMIT_PER_MIN;
    case "register":
      return env.RATE_LIMIT_REGISTER_PER_MIN;
    default:
      return env.RATE_LIMIT_DEFAULT_PER_MIN;
  }
}

function limiter(deps: Pick<Deps, "env" | "redis" | "local">, cls: RateLimitClass): RateLimiterRedis {
  const limiters = (deps.local.rateLimiters ??= {});
  let l = limiters[cls];
  if (!l) {
    l = new RateLimiterRedis({
      storeClient: deps.redis.cmd,
      keyPrefix: `ratelimit:${cls}`,
      points: pointsFor(deps.env, cls),
      duration: 60,
    });
    limiters[cls] = l;
  }
  return l;
}

/** Counts one request; throws TOO_MANY_REQUESTS with retryAfterSeconds when over the limit. */
export async function enforceRateLimit(
  deps: Pick<Deps, "env" | "redis" | "local">,
  cls: RateLimitClass,
  ip: string,
): Promise<void> {
  if (!deps.env.RATE_LIMIT_ENABLED) return;
  try {
    await limiter(deps, cls).consume(ip);
  } catch (res) {
    if (res instanceof RateLimiterRes) {
      const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `Too many requests: at most ${pointsFor(deps.env, cls)} per minute for this kind of call. Try again in ${retryAfterSeconds} s.`,
        "rate_limited",
        { retryAfterSeconds },
      );
    }
    // Redis unreachable: fail open (availability over strictness); health shows the outage.
  }
}

/**
 * For submitJob's `beforeQueue`: spends one unit of the job-submission budget
 * (RATE_LIMIT_JOB_SUBMIT_PER_MIN per IP) once the submission will create a job,
 * before anything is written; over the limit it is a 429 with Retry-After and
 * the payment is never collected. Both doors (tRPC jobs.submit, POST
 * /api/x402/jobs) use it, so an unpaid 402 never costs a buyer their paid try.
 */
export function jobSubmitBudget(deps: Pick<Deps, "env" | "redis" | "local">, ip: string): () => Promise<void> {
  return () => enforceRateLimit(deps, "jobSubmit", ip);
}
