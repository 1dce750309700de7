/** The status a buyer sees. "offline" is derived from the heartbeat, never stored. */
export const NODE_STATUSES = ["available", "busy", "offline", "paused", "suspended"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Stored statuses are available | busy | paused | suspended. */
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
