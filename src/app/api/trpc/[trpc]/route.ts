import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/context";
import { getDeps } from "@/server/deps";
import { readBodyLimited } from "@/server/http/body";
import { TRPC_MAX_BATCH_SIZE } from "@/lib/trpc-limits";
import { errorResponse } from "@/server/api/errors";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  const deps = await getDeps();
  let request = req;
  if (req.method === "POST") {
    // Cap the body before tRPC buffers it (the fetch adapter has no limit of its own).
    try {
      const body = await readBodyLimited(req);
      request = new Request(req.url, { method: "POST", headers: req.headers, body: body as BodyInit });
    } catch (err) {
      return errorResponse(err, req.headers.get("x-request-id") ?? "", deps.log, "trpc");
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
