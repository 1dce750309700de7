import "server-only";
import { randomUUID } from "node:crypto";
import type { ZodType } from "zod";
import { getDeps, type Deps } from "../deps";
import { errorAnswer, toPublicError } from "../api/errors";
import { enforceRateLimit, type RateLimitClass } from "../services/ratelimit/rate-limit";
import { clientIp } from "./client-ip";
import { parseJsonBody } from "./body";
import { fromFetchResponse, type PlainRequest, type PlainResponse } from "./plain";

export interface JsonRouteContext {
  deps: Deps;
  req: PlainRequest;
  params: Record<string, string>;
  requestId: string;
  ip: string;
}

export type JsonRoute = (req: PlainRequest, params?: Record<string, string>) => Promise<PlainResponse>;

/**
 * A plain JSON HTTP endpoint: body size cap, zod-validated input, rate limit,
 * metrics, AppError → status. Used by the agent protocol and the x402 door,
 * served by the lean layer (http/lean) and by Next's route handlers alike.
 */
export function jsonRoute<I, O>(opts: {
  name: string;
  input?: ZodType<I>;
  rateLimit: RateLimitClass | "none";
  handler: (ctx: JsonRouteContext, input: I) => Promise<O | Response>;
  status?: number;
}): JsonRoute {
  return async (req, params = {}) => {
    const requestId = req.headers.get("x-request-id")?.slice(0, 100) || randomUUID();
    let deps: Deps | undefined;
    const start = performance.now();
    let code = "OK";
    try {
      deps = await getDeps();
      const ip = clientIp(req.headers, deps.env.TRUST_PROXY);
      if (opts.rateLimit !== "none") await enforceRateLimit(deps, opts.rateLimit, ip);
      const raw = req.method === "GET" || req.method === "HEAD" ? {} : parseJsonBody(await req.body());
      const input = opts.input ? opts.input.parse(raw) : (raw as I);
      const out = await opts.handler({ deps, req, params, requestId, ip }, input);
      if (out instanceof Response) return await fromFetchResponse(out);
      return {
        status: opts.status ?? 200,
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify(out),
      };
    } catch (err) {
      code = toPublicError(err, requestId).code;
      return errorAnswer(err, requestId, deps?.log, opts.name);
    } finally {
      const ms = performance.now() - start;
      deps?.metrics.requests.inc({ procedure: opts.name, code });
      deps?.metrics.latency.observe({ procedure: opts.name }, ms / 1000);
      // Checked first: on the hot paths the log record would be built for nothing.
      if (deps?.log.isLevelEnabled("debug"))
        deps.log.debug({ requestId, path: opts.name, code, ms: Math.round(ms * 10) / 10 }, "request");
    }
  };
}
