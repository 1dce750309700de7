import { postX402Job } from "@/server/http/x402-jobs";
import { fromFetch, toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

/** `npm start` answers this path in the lean layer (server.mjs) before Next; this serves `next dev`. */
export const POST = async (req: Request) => toFetchResponse(await postX402Job(fromFetch(req)));
