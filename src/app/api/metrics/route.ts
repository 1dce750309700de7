import { getDeps } from "@/server/deps";
import { scrapeMetrics } from "@/server/metrics-scrape";

export const dynamic = "force-dynamic";

export async function GET() {
  const deps = await getDeps();
  return new Response(await scrapeMetrics(deps), {
    headers: { "content-type": deps.metrics.registry.contentType },
  });
}
