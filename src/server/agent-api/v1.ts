import {
  AGENT_PROTOCOL_VERSION,
  heartbeatRequestSchema,
  registerRequestSchema,
} from "@computeswarm/protocol";
import { jsonRoute } from "../http/json-route";
import { registerNode } from "../services/nodes/register-node";
import { authenticateAgent } from "../services/nodes/agent-auth";
import { recordHeartbeat } from "../services/nodes/heartbeat";
import { chainIdOf } from "../services/chain-id";
import { AppError } from "../errors";

/**
 * Agent protocol v1 (agent/src/protocol/v1.ts): the plain-HTTP door for
 * agents, calling the same services as the tRPC `agent` router.
 */
type Handler = (req: Request, params: Record<string, string>) => Promise<Response>;

const info = jsonRoute({
  name: "agent.v1.info",
  rateLimit: "none",
  handler: async ({ deps }) => ({ protocolVersion: AGENT_PROTOCOL_VERSION, chainId: chainIdOf(deps.env.CHAIN) }),
});

const register = jsonRoute({
  name: "agent.v1.register",
  input: registerRequestSchema,
  rateLimit: "register",
  status: 201,
  handler: ({ deps }, input) => registerNode(deps, input),
});

const heartbeat = jsonRoute({
  name: "agent.v1.heartbeat",
  input: heartbeatRequestSchema,
  rateLimit: "none",
  handler: async ({ deps, req }, input) => {
    const agent = await authenticateAgent(deps, req.headers.get("authorization"));
    return { ok: true as const, ...(await recordHeartbeat(deps, agent, input)) };
  },
});

const routes: Record<string, Record<string, Handler>> = {
  info: { GET: info },
  register: { POST: register },
  heartbeat: { POST: heartbeat },
};

/** Dispatches /api/agent/v1/<path> to its handler. */
export async function dispatchAgentV1(req: Request, path: string[]): Promise<Response> {
  const key = path.join("/");
  const handler = routes[key]?.[req.method];
  if (handler) return handler(req, {});
  const status = routes[key] ? 405 : 404;
  const err = new AppError(status === 405 ? "BAD_REQUEST" : "NOT_FOUND", `No ${req.method} /api/agent/v1/${key} in protocol v1.`);
  return new Response(JSON.stringify({ error: { code: err.code, message: err.message } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
