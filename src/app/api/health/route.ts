import { getDeps } from "@/server/deps";
import { checkHealth } from "@/server/health";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const health = await checkHealth(await getDeps());
    return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
  } catch (err) {
    return Response.json({ status: "down", error: (err as Error).message }, { status: 503 });
  }
}
