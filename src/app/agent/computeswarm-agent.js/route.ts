import { getDeps } from "@/server/deps";
import { AGENT_FILE_NAME, readAgentBundle } from "@/server/services/agent-download/agent-bundle";

export const dynamic = "force-dynamic";

/** GET /agent/computeswarm-agent.js: the seller agent as one file (services/agent-download). */
export async function GET() {
  const bundle = await readAgentBundle((await getDeps()).env);
  if (!bundle) {
    return Response.json(
      { error: { code: "NOT_FOUND", message: "The agent is not built on this server (run npm run build)." } },
      { status: 404 },
    );
  }
  return new Response(new Uint8Array(bundle.bytes), {
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "content-disposition": `attachment; filename="${AGENT_FILE_NAME}"`,
      "x-content-sha256": bundle.sha256,
      "cache-control": "no-cache",
    },
  });
}
