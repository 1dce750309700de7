import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { subscribe } from "../events/bus";
import { hashToken } from "./agent-token";
import { NODE_CHANGED_CHANNEL } from "./node-changes";

export interface AgentIdentity {
  nodeId: string;
  sellerAddress: string;
}

/**
 * Token → node, cached in process: heartbeats and claims are the hottest
 * paths, and what a token names never changes while it is valid. The short
 * TTL bounds how long a revoked token could still be honoured here if the
 * invalidation (NODE_CHANGED_CHANNEL, from every instance) were lost.
 */
export const AGENT_CACHE_MS = 60_000;
const MAX_ENTRIES = 200_000;

export interface TokenCache {
  byHash: Map<string, { id: AgentIdentity; at: number }>;
  byNode: Map<string, string>;
}

function cacheOf(deps: Pick<Deps, "local" | "redis" | "log">): TokenCache {
  let cache = deps.local.agentTokens;
  if (cache) return cache;
  const created: TokenCache = (cache = { byHash: new Map(), byNode: new Map() });
  deps.local.agentTokens = created;
  subscribe(deps, NODE_CHANGED_CHANNEL, (message) => {
    const nodeId = (JSON.parse(message) as { nodeId?: string }).nodeId;
    if (nodeId) forgetAgent(created, nodeId);
  }).catch((err: Error) => deps.log.warn({ err: err.message }, "agent token cache hears no invalidations"));
  return cache;
}

function forgetAgent(cache: TokenCache, nodeId: string) {
  const hash = cache.byNode.get(nodeId);
  if (hash) cache.byHash.delete(hash);
  cache.byNode.delete(nodeId);
}

/** Resolves `Authorization: Bearer <agentToken>` to its node. */
export async function authenticateAgent(
  deps: Pick<Deps, "prisma" | "local" | "clock" | "redis" | "log">,
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
  const cache = cacheOf(deps);
  const now = deps.clock.now().getTime();
  const hit = cache.byHash.get(hash);
  if (hit && now - hit.at >= 0 && now - hit.at < AGENT_CACHE_MS) return hit.id;
  const node = await deps.prisma.node.findUnique({
    where: { agentTokenHash: hash },
    select: { id: true, sellerAddress: true },
  });
  if (!node) throw new AppError("UNAUTHORIZED", "This agent token is not valid.", "bad_agent_token");
  const id = { nodeId: node.id, sellerAddress: node.sellerAddress };
  if (cache.byHash.size > MAX_ENTRIES) {
    cache.byHash.clear();
    cache.byNode.clear();
  }
  const previous = cache.byNode.get(node.id);
  if (previous && previous !== hash) cache.byHash.delete(previous);
  cache.byHash.set(hash, { id, at: now });
  cache.byNode.set(node.id, hash);
  return id;
}
