import { getX402Job } from "@/server/http/x402-jobs";
import { fromFetch, toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };
/** `npm start` answers this path in the lean layer (server.mjs) before Next; this serves `next dev`. */
export const GET = async (req: Request, { params }: Params) =>
  toFetchResponse(await getX402Job(fromFetch(req), { id: (await params).id }));
