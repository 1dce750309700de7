import { z, type ZodType } from "zod";
import {
  ackResponseSchema,
  AGENT_API_PREFIX,
  claimResponseSchema,
  heartbeatResponseSchema,
  registerResponseSchema,
  type appendLogRequestSchema,
  type claimRequestSchema,
  type completeRequestSchema,
  type failRequestSchema,
  type heartbeatRequestSchema,
  type SignedRegistration,
} from "@computeswarm/protocol";
import type { Deps } from "../server/deps";
import { fetchInProcess } from "./http-server";

/**
 * The agent protocol as agents in the field speak it: JSON over
 * /api/agent/v2, through the app's own route handlers (in-process, no socket).
 * A 4xx/5xx answer rejects with an AgentHttpError carrying the error body's
 * `code` (the same names as tRPC's: BAD_REQUEST, NOT_FOUND, CONFLICT…) and `reason`.
 */
export class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string | null,
    message: string,
  ) {
    super(message);
    this.name = "AgentHttpError";
  }
}

async function call<T>(
  deps: Deps,
  path: string,
  body: unknown,
  schema: ZodType<T>,
  agentToken: string | undefined,
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", "x-forwarded-for": "127.0.0.1" };
  if (agentToken !== undefined) headers.authorization = `Bearer ${agentToken}`;
  const url = new URL(`${AGENT_API_PREFIX}/${path}`, deps.env.PUBLIC_URL);
  const res = await fetchInProcess(deps, new Request(url, { method: "POST", headers, body: JSON.stringify(body) }));
  const json = (await res.json().catch(() => null)) as {
    error?: { code: string; reason: string | null; message: string };
  };
  if (!res.ok) {
    const err = json?.error;
    throw new AgentHttpError(res.status, err?.code ?? String(res.status), err?.reason ?? null, err?.message ?? "");
  }
  return schema.parse(json);
}

/** POST /register: a signed RegisterNode, as `computeswarm-agent register --key-file` sends it. */
export async function registerOverHttp(deps: Deps, signed: SignedRegistration) {
  const { nodeId, agentToken } = await call(deps, "register", signed, registerResponseSchema, undefined);
  return { nodeId, agentToken };
}

type JobId = { jobId: string };

/**
 * A node's agent, by its token (none: calls without `Authorization`). One
 * method per endpoint, under `agent` as in the URL: `node.agent.claim(…)` is
 * POST /api/agent/v2/claim; the job's id goes into the path.
 */
export function agentHttp(deps: Deps, agentToken?: string) {
  const post = <T>(path: string, body: unknown, schema: ZodType<T>) => call(deps, path, body, schema, agentToken);
  return {
    agent: {
      heartbeat: (input: z.input<typeof heartbeatRequestSchema>) => post("heartbeat", input, heartbeatResponseSchema),
      claim: (input: z.input<typeof claimRequestSchema>) => post("claim", input, claimResponseSchema),
      appendLog: ({ jobId, ...chunk }: z.input<typeof appendLogRequestSchema> & JobId) =>
        post(`jobs/${jobId}/logs`, chunk, ackResponseSchema.extend({ dropped: z.boolean() })),
      complete: ({ jobId, ...report }: z.input<typeof completeRequestSchema> & JobId) =>
        post(`jobs/${jobId}/complete`, report, ackResponseSchema),
      fail: ({ jobId, ...failure }: z.input<typeof failRequestSchema> & JobId) =>
        post(`jobs/${jobId}/fail`, failure, ackResponseSchema),
    },
  };
}
export type AgentHttp = ReturnType<typeof agentHttp>;
