import { z } from "zod";
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
import { jsonRoute, type JsonRouteContext } from "../http/json-route";
import { registerNode } from "../services/nodes/register-node";
import { authenticateAgent } from "../services/nodes/agent-auth";
import { recordHeartbeat } from "../services/nodes/heartbeat";
import { claimJob } from "../services/jobs/claim-job";
import { appendJobLog, completeJob, failJob } from "../services/jobs/report-job";
import { chainIdOf } from "../services/chain-id";
import { AppError } from "../errors";

/**
 * The agent protocol (agent/src/protocol/v1.ts): the plain-HTTP door for
 * agents, calling the same services as the tRPC `agent` router. Version 2 at
 * /api/agent/v2; version 1 beside it for agents registered before.
 */
type Handler = (req: Request, params: Record<string, string>) => Promise<Response>;

const agentOf = (ctx: JsonRouteContext) => authenticateAgent(ctx.deps, ctx.req.headers.get("authorization"));
const jobIdOf = (ctx: JsonRouteContext) =>
  z.string().uuid("the job id in the path is not a UUID").parse(ctx.params.jobId);

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

const routes: Record<string, Record<string, Handler>> = {
  info: { GET: info },
  register: { POST: register },
  pair: { POST: pair },
  heartbeat: { POST: heartbeat },
  claim: { POST: claim },
  "jobs/:jobId/logs": { POST: logs },
  "jobs/:jobId/complete": { POST: complete },
  "jobs/:jobId/fail": { POST: fail },
};

function match(path: string[]): { key: string; params: Record<string, string> } | null {
  if (path.length === 3 && path[0] === "jobs") return { key: `jobs/:jobId/${path[2]}`, params: { jobId: path[1]! } };
  return { key: path.join("/"), params: {} };
}

/** Protocol 1 differs only in registration: its agents keep heartbeating, claiming and reporting. */
const routesV1: Record<string, Record<string, Handler>> = { ...routes, register: { POST: registerV1 } };

/** Dispatches /api/agent/v{1,2}/<path> to its handler. */
export async function dispatchAgent(req: Request, version: 1 | 2, path: string[]): Promise<Response> {
  const m = match(path);
  const methods = m ? (version === 1 ? routesV1 : routes)[m.key] : undefined;
  const handler = methods?.[req.method];
  if (handler && m) return handler(req, m.params);
  const status = methods ? 405 : 404;
  const message = `No ${req.method} /api/agent/v${version}/${path.join("/")} in agent protocol v${version}.`;
  return Response.json({ error: { code: status === 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND", message } }, { status });
}
