import { randomUUID } from "node:crypto";
import { getDeps } from "@/server/deps";
import { scrapeMetrics } from "@/server/metrics-scrape";
import { assertMetricsAccess } from "@/server/http/metrics-auth";
import { errorResponse } from "@/server/api/errors";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const deps = await getDeps();
  try {
    assertMetricsAccess(deps.env, req.headers.get("authorization"));
  } catch (err) {
    return errorResponse(err, req.headers.get("x-request-id")?.slice(0, 100) || randomUUID(), deps.log, "metrics");
  }
  return new Response(await scrapeMetrics(deps), {
    headers: { "content-type": deps.metrics.registry.contentType },
  });
}
