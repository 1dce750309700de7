/** The status a buyer sees. "offline" is derived from the heartbeat, never stored. */
export const NODE_STATUSES = ["available", "busy", "offline", "paused", "suspended"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What the nodes table holds (its CHECK constraint lists exactly these). */
export const STORED_NODE_STATUSES = NODE_STATUSES.filter((s) => s !== "offline");

export function deriveNodeStatus(
  stored: string,
  lastSeenMs: number | undefined,
  nowMs: number,
  ttlSeconds: number,
): NodeStatus {
  if (stored === "suspended" || stored === "paused") return stored;
  if (lastSeenMs === undefined || nowMs - lastSeenMs > ttlSeconds * 1000) return "offline";
  return stored === "busy" ? "busy" : "available";
}
