import { createHash, timingSafeEqual } from "node:crypto";
import type { Env } from "../env";
import { AppError } from "../errors";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * `/api/metrics` reveals traffic and market volume: with METRICS_TOKEN set it
 * requires `Authorization: Bearer <METRICS_TOKEN>`; without one it is served
 * only outside production (development, tests, the embedded demo).
 */
export function assertMetricsAccess(env: Pick<Env, "METRICS_TOKEN" | "NODE_ENV">, authorization: string | null) {
  if (!env.METRICS_TOKEN) {
    if (env.NODE_ENV !== "production") return;
    throw new AppError("FORBIDDEN", "Metrics are off: set METRICS_TOKEN to scrape them.", "metrics_disabled");
  }
  const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "";
  // Compare digests: equal length, constant time.
  if (!timingSafeEqual(digest(token), digest(env.METRICS_TOKEN))) {
    throw new AppError("UNAUTHORIZED", "Metrics need Authorization: Bearer <METRICS_TOKEN>.", "metrics_token");
  }
}
