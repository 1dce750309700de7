/** Sent in heartbeats and the User-Agent header; keep in step with package.json. */
export const AGENT_VERSION = "0.1.0";
