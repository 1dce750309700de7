import { getX402Nodes } from "@/server/http/x402-nodes";
import { fromFetch, toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

/** `npm start` answers this path in the lean layer (server.mjs) before Next; this serves `next dev`. */
export const GET = async (req: Request) => toFetchResponse(await getX402Nodes(fromFetch(req)));
