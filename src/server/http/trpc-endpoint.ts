import "server-only";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "../api/root";
import { createContext } from "../api/context";
import type { Deps } from "../deps";
import { TRPC_MAX_BATCH_SIZE } from "@/lib/trpc-limits";

/**
 * The tRPC HTTP endpoint, for whichever server received the request (the lean
 * layer, or Next's route handler under `next dev`). The caller has already
 * capped the body and checked a POST's origin (CSRF: every tRPC POST is a
 * mutation), so `req` carries a body that fits.
 */
export function answerTrpc(deps: Deps, req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH_SIZE,
    createContext: ({ resHeaders }) => createContext(deps, req.headers, resHeaders),
  });
}
