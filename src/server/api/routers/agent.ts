import { heartbeatRequestSchema, heartbeatResponseSchema } from "@computeswarm/protocol";
import { agentProcedure, router } from "../trpc";
import { recordHeartbeat } from "../../services/nodes/heartbeat";

/**
 * The agent's calls as tRPC procedures. Agents in the field use the versioned
 * plain-HTTP door (/api/agent/v1, app/api/agent) that calls the same services.
 */
export const agentRouter = router({
  heartbeat: agentProcedure
    .input(heartbeatRequestSchema)
    .output(heartbeatResponseSchema)
    .mutation(async ({ ctx, input }) => ({ ok: true as const, ...(await recordHeartbeat(ctx.deps, ctx.agent, input)) })),
});
