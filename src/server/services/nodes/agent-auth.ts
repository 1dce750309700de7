import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { hashToken } from "./agent-token";

export interface AgentIdentity {
  nodeId: string;
  sellerAddress: string;
}

const CACHE = "agentTokens";
const CACHE_MS = 30_000;

/**
 * Resolves `Authorization: Bearer <agentToken>` to its node. Lookups are
 * cached in-process for a short while: heartbeats are the hottest path.
 */
export async function authenticateAgent(
  deps: Pick<Deps, "prisma" | "local" | "clock">,
  authorization: string | null | undefined,
): Promise<AgentIdentity> {
  const token = authorization?.match(/^Bearer\s+(csa_[A-Za-z0-9_-]{20,100})$/)?.[1];
  if (!token)
    throw new AppError(
      "UNAUTHORIZED",
      "Send the node's agent token as `Authorization: Bearer csa_…`.",
      "no_agent_token",
    );
  const hash = hashToken(token);
  let cache = deps.local.get(CACHE) as Map<string, { id: AgentIdentity; at: number }> | undefined;
  if (!cache) deps.local.set(CACHE, (cache = new Map()));
  const now = deps.clock.now().getTime();
  const hit = cache.get(hash);
  if (hit && now - hit.at < CACHE_MS) return hit.id;
  const node = await deps.prisma.node.findUnique({
    where: { agentTokenHash: hash },
    select: { id: true, sellerAddress: true },
  });
  if (!node) throw new AppError("UNAUTHORIZED", "This agent token is not valid.", "bad_agent_token");
  const id = { nodeId: node.id, sellerAddress: node.sellerAddress };
  if (cache.size > 50_000) cache.clear();
  cache.set(hash, { id, at: now });
  return id;
}
