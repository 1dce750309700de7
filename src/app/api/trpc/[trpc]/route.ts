import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/context";
import { getDeps } from "@/server/deps";
import { readBodyLimited } from "@/server/http/body";
import { TRPC_MAX_BATCH_SIZE } from "@/lib/trpc-limits";
import { randomUUID } from "node:crypto";
import { assertSameOrigin } from "@/server/http/same-origin";
import { errorResponse } from "@/server/api/errors";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  const deps = await getDeps();
  let request = req;
  if (req.method === "POST") {
    const requestId = req.headers.get("x-request-id")?.slice(0, 100) || randomUUID();
    // Every tRPC POST is a mutation: refuse those another site's page sent (CSRF).
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
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH_SIZE,
    createContext: ({ resHeaders }) => createContext(deps, req.headers, resHeaders),
  });
}

export { handler as GET, handler as POST };
