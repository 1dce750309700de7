import { getDeps } from "@/server/deps";
import { readBodyLimited } from "@/server/http/body";
import { randomUUID } from "node:crypto";
import { assertSameOrigin } from "@/server/http/same-origin";
import { errorResponse } from "@/server/api/errors";
import { answerTrpc } from "@/server/http/trpc-endpoint";

export const dynamic = "force-dynamic";

/** `npm start` answers /api/trpc in the lean layer (server.mjs, http/lean/trpc.ts); this serves `next dev`. */
async function handler(req: Request) {
  const deps = await getDeps();
  let request = req;
  if (req.method === "POST") {
    const requestId = req.headers.get("x-request-id")?.slice(0, 100) || randomUUID();
    // Cap the body before tRPC buffers it (the fetch adapter has no limit of its own).
    try {
      const body = await readBodyLimited(req);
      // After reading the (capped) body, so the connection stays usable for the next request.
      assertSameOrigin(req.headers, deps.env.PUBLIC_URL);
      request = new Request(req.url, { method: "POST", headers: req.headers, body: body as BodyInit });
    } catch (err) {
      return errorResponse(err, requestId, deps.log, "trpc");
    }
  }
  return answerTrpc(deps, request);
}

export { handler as GET, handler as POST };
