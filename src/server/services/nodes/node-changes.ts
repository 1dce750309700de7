import type { Deps } from "../../deps";
import { publishCommitted } from "../events/bus";
import { nudgeChannel } from "../jobs/transition";
import { forgetNodeStatus } from "./node-status";
import { invalidateNodeRows } from "./list-cache";

/** Every instance drops what it cached of a node named here (agent-auth.ts). */
export const NODE_CHANGED_CHANNEL = "nodes:changed";

/**
 * After a node's stored state changed (paused, resumed, suspended,
 * unsuspended), once committed: discovery and the status heartbeats report
 * are refreshed, every instance forgets what it cached of the node, and its
 * waiting claims look again (a resumed node's queued jobs are claimable now).
 */
export async function announceNodeChange(deps: Pick<Deps, "redis" | "log" | "local">, nodeId: string): Promise<void> {
  await Promise.all([
    invalidateNodeRows(deps),
    forgetNodeStatus(deps, nodeId),
    publishCommitted(deps, NODE_CHANGED_CHANNEL, { nodeId }),
    publishCommitted(deps, nudgeChannel(nodeId), { nodeId }),
  ]);
}
