import { getMetrics } from "@/server/http/ops-routes";
import { fromFetch, toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

/** `npm start` answers this path in the lean layer (server.mjs) before Next; this serves `next dev`. */
export const GET = async (req: Request) => toFetchResponse(await getMetrics(fromFetch(req)));
