import "server-only";
import { randomUUID } from "node:crypto";
import { getDeps } from "../deps";
import { checkHealth } from "../health";
import { scrapeMetrics } from "../metrics-scrape";
import { errorAnswer, type PlainResponse } from "../api/errors";
import { AGENT_FILE_NAME, readAgentBundle } from "../services/agent-download/agent-bundle";
import { assertMetricsAccess } from "./metrics-auth";
import type { PlainRequest } from "./plain";

/**
 * The operator's paths (health, metrics) and the agent download, as plain
 * routes: the lean layer serves them under `npm start`, Next's route handlers
 * under `next dev`. Never Next's pages worker (pages-server.mjs), which opens no Deps.
 */
const json = (status: number, value: unknown): PlainResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** GET /api/health: 200 when PostgreSQL and Redis answer and migrations are applied, else 503. */
export async function getHealth(): Promise<PlainResponse> {
  try {
    const health = await checkHealth(await getDeps());
    return json(health.status === "ok" ? 200 : 503, health);
  } catch (err) {
    return json(503, { status: "down", error: (err as Error).message });
  }
}

/** GET /api/metrics: Prometheus text, behind METRICS_TOKEN in production (metrics-auth.ts). */
export async function getMetrics(req: PlainRequest): Promise<PlainResponse> {
  const deps = await getDeps();
  try {
    assertMetricsAccess(deps.env, req.headers.get("authorization"));
  } catch (err) {
    return errorAnswer(err, req.headers.get("x-request-id")?.slice(0, 100) || randomUUID(), deps.log, "metrics");
  }
  return {
    status: 200,
    headers: { "content-type": deps.metrics.registry.contentType },
    body: await scrapeMetrics(deps),
  };
}

/** GET /agent/computeswarm-agent.js: the seller agent as one file (services/agent-download). */
export async function getAgentDownload(): Promise<PlainResponse> {
  const bundle = await readAgentBundle((await getDeps()).env);
  if (!bundle) {
    return json(404, {
      error: { code: "NOT_FOUND", message: "The agent is not built on this server (run npm run build)." },
    });
  }
  return {
    status: 200,
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "content-disposition": `attachment; filename="${AGENT_FILE_NAME}"`,
      "x-content-sha256": bundle.sha256,
      "cache-control": "no-cache",
    },
    body: bundle.bytes,
  };
}
