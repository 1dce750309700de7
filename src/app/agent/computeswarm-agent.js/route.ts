import { getAgentDownload } from "@/server/http/ops-routes";
import { toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

/**
 * GET /agent/computeswarm-agent.js: the seller agent as one file. `npm start` answers
 * it in the lean layer (server.mjs) before Next; this serves `next dev`.
 */
export const GET = async () => toFetchResponse(await getAgentDownload());
