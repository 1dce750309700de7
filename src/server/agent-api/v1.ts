import "server-only";
import { z } from "zod";
import FindMyWay from "find-my-way";
import {
  AGENT_PROTOCOL_VERSION,
  appendLogRequestSchema,
  claimRequestSchema,
  completeRequestSchema,
  failRequestSchema,
  heartbeatRequestSchema,
  pairRequestSchema,
  registerRequestSchema,
} from "@computeswarm/protocol";
import { redeemPairingCode } from "../services/nodes/pairing";
import { jsonRoute, type JsonRoute, type JsonRouteContext } from "../http/json-route";
import type { PlainRequest, PlainResponse } from "../http/plain";
import { registerNode } from "../services/nodes/register-node";
import { authenticateAgent } from "../services/nodes/agent-auth";
import { recordHeartbeat } from "../services/nodes/heartbeat";
import { claimJob } from "../services/jobs/claim-job";
import { appendJobLog, completeJob, failJob } from "../services/jobs/report-job";
import { chainIdOf } from "@/lib/chains";
import { AppError } from "../errors";

/**
 * The agent protocol (agent/src/protocol/v1.ts): the plain-HTTP door for
 * agents, calling the same services as the tRPC `agent` router. Version 2 at
 * /api/agent/v2; version 1 beside it for agents registered before.
 */
const agentOf = (ctx: JsonRouteContext) => authenticateAgent(ctx.deps, ctx.req.headers.get("authorization"));
// Built once: making a zod schema costs more than parsing with it (it was a tenth of a log chunk's CPU).
export const jobIdSchema = z.string().uuid("the job id in the path is not a UUID");
const jobIdOf = (ctx: JsonRouteContext) => jobIdSchema.parse(ctx.params.jobId);

const info = jsonRoute({
  name: "agent.v1.info",
  rateLimit: "none",
  handler: async ({ deps }) => ({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    chainId: chainIdOf(deps.env.CHAIN),
    marketplaceUrl: deps.env.PUBLIC_URL,
  }),
});

/** An agent of protocol 1 signs registrations without the deployment binding: tell it what to do. */
const registerV1 = jsonRoute({
  name: "agent.v1.register",
  rateLimit: "register",
  handler: async () => {
    throw new AppError(
      "PRECONDITION_FAILED",
      "This marketplace needs agent protocol 2 (registrations are signed for one marketplace): " +
        "upgrade computeswarm-agent and register again, or pair with a code from the seller dashboard.",
      "agent_protocol_outdated",
      { protocolVersion: AGENT_PROTOCOL_VERSION },
    );
  },
});

const register = jsonRoute({
  name: "agent.v1.register",
  input: registerRequestSchema,
  rateLimit: "register",
  status: 201,
  handler: ({ deps }, input) => registerNode(deps, input),
});

const pair = jsonRoute({
  name: "agent.v1.pair",
  input: pairRequestSchema,
  rateLimit: "register",
  status: 201,
  handler: ({ deps }, input) => redeemPairingCode(deps, input),
});

const heartbeat = jsonRoute({
  name: "agent.v1.heartbeat",
  input: heartbeatRequestSchema,
  rateLimit: "none",
  handler: async (ctx, input) => ({
    ok: true as const,
    ...(await recordHeartbeat(ctx.deps, await agentOf(ctx), input)),
  }),
});

const claim = jsonRoute({
  name: "agent.v1.claim",
  input: claimRequestSchema,
  rateLimit: "none",
  handler: async (ctx, input) => ({ job: await claimJob(ctx.deps, await agentOf(ctx), input, ctx.req.signal) }),
});

const logs = jsonRoute({
  name: "agent.v1.logs",
  input: appendLogRequestSchema,
  rateLimit: "none",
  handler: async (ctx, input) => appendJobLog(ctx.deps, await agentOf(ctx), jobIdOf(ctx), input),
});

const complete = jsonRoute({
  name: "agent.v1.complete",
  input: completeRequestSchema,
  rateLimit: "none",
  handler: async (ctx, input) => completeJob(ctx.deps, await agentOf(ctx), jobIdOf(ctx), input),
});

const fail = jsonRoute({
  name: "agent.v1.fail",
  input: failRequestSchema,
  rateLimit: "none",
  handler: async (ctx, input) => failJob(ctx.deps, await agentOf(ctx), jobIdOf(ctx), input),
});

type Method = "GET" | "POST";
const routes: [Method, string, JsonRoute][] = [
  ["GET", "/info", info],
  ["POST", "/register", register],
  ["POST", "/pair", pair],
  ["POST", "/heartbeat", heartbeat],
  ["POST", "/claim", claim],
  ["POST", "/jobs/:jobId/logs", logs],
  ["POST", "/jobs/:jobId/complete", complete],
  ["POST", "/jobs/:jobId/fail", fail],
];

/** Protocol 1 differs only in registration: its agents keep heartbeating, claiming and reporting. */
function routerFor(version: 1 | 2) {
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false });
  const noop = () => {};
  for (const [method, path, route] of routes) {
    router.on(method, path, noop, version === 1 && path === "/register" ? registerV1 : route);
  }
  return router;
}
const routers = { 1: routerFor(1), 2: routerFor(2) };

/**
 * Dispatches /api/agent/v{1,2}/<path> to its handler; `path` is what follows
 * the version, with a leading slash and no query.
 */
export async function dispatchAgent(req: PlainRequest, version: 1 | 2, path: string): Promise<PlainResponse> {
  const router = routers[version];
  const method = req.method === "GET" || req.method === "POST" ? req.method : undefined;
  const found = method ? router.find(method, path) : null;
  if (found) return (found.store as JsonRoute)(req, found.params as Record<string, string>);
  const known = router.find("GET", path) ?? router.find("POST", path);
  const status = known ? 405 : 404;
  const message = `No ${req.method} /api/agent/v${version}${path} in agent protocol v${version}.`;
  return {
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: { code: status === 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND", message } }),
  };
}
