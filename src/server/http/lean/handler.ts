import "server-only";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import FindMyWay from "find-my-way";
import { getDeps } from "../../deps";
import { errorAnswer } from "../../api/errors";
import { dispatchAgent } from "../../agent-api/v1";
import { getX402Job, postX402Job } from "../x402-jobs";
import { plainRequestOf, writePlain } from "./node-io";
import { serveTrpc } from "./trpc";

type LeanRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string | undefined>,
  extra: Record<string, string>,
) => Promise<void>;

const ANY = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/**
 * The machine-facing paths, served from plain node:http handlers in the same
 * process as the pages (server.mjs asks here first, then hands the rest to
 * Next): the agent protocol, the x402 door and the tRPC endpoint. They call
 * the same services with the same Deps as Next's route handlers, and skip
 * Next's per-request machinery (about a millisecond of CPU per call).
 */
function leanRouter() {
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false });
  const on = (methods: readonly string[], path: string, route: LeanRoute) =>
    router.on(methods as FindMyWay.HTTPMethod[], path, () => {}, route);

  for (const version of [1, 2] as const) {
    on(ANY, `/api/agent/v${version}/*`, async (req, res, params, extra) => {
      writePlain(res, await dispatchAgent(plainRequestOf(req, res), version, `/${params["*"] ?? ""}`), extra);
    });
  }
  on(["POST"], "/api/x402/jobs", async (req, res, _params, extra) => {
    writePlain(res, await postX402Job(plainRequestOf(req, res)), extra);
  });
  on(["GET"], "/api/x402/jobs/:id", async (req, res, params, extra) => {
    writePlain(res, await getX402Job(plainRequestOf(req, res), { id: params.id ?? "" }), extra);
  });
  on(["GET", "POST"], "/api/trpc/*", async (req, res, _params, extra) => {
    await serveTrpc(await getDeps(), req, res, extra);
  });
  return router;
}

export interface LeanOptions {
  /** Sent with every lean answer: the API security headers (next.config.mjs `apiSecurityHeaders`), as Next sends them under /api. */
  headers?: Record<string, string>;
}

/**
 * Returns a node:http handler that answers the lean paths and returns true,
 * or returns false (touching nothing) for a path Next should serve.
 */
export function createLeanHandler(opts: LeanOptions = {}) {
  const router = leanRouter();
  const extra = opts.headers ?? {};
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? "/";
    if (!url.startsWith("/api/")) return false;
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method as FindMyWay.HTTPMethod;
    if (!(ANY as readonly string[]).includes(method)) return false;
    const found = router.find(method, path);
    if (!found) return false;
    (found.store as LeanRoute)(req, res, found.params, extra).catch((err: unknown) => {
      // The routes map their own errors; this is the last guard (a malformed URL, a socket gone).
      const requestId = randomUUID();
      getDeps().then(
        (deps) => writePlain(res, errorAnswer(err, requestId, deps.log, path), extra),
        () => writePlain(res, errorAnswer(err, requestId), extra),
      );
    });
    return true;
  };
}

/** Security headers as next.config.mjs lists them ({ key, value }[]), as one object. */
export function headerObject(list: { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(list.map((h) => [h.key.toLowerCase(), h.value]));
}
