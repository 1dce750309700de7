import { dispatchAgent } from "@/server/agent-api/v1";
import { fromFetch, toFetchResponse } from "@/server/http/plain";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };
/** `npm start` answers these paths in the lean layer (server.mjs) before Next; this serves `next dev`. */
const handle = async (req: Request, { params }: Params) =>
  toFetchResponse(await dispatchAgent(fromFetch(req), 2, `/${(await params).path.join("/")}`));
export { handle as GET, handle as POST };
