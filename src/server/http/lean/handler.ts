import "server-only";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import FindMyWay from "find-my-way";
import { getDeps } from "../../deps";
import { errorAnswer } from "../../api/errors";
import { dispatchAgent } from "../../agent-api/v1";
import { serveLogStream } from "../../agent-api/log-stream";
import { AppError } from "../../errors";
import { getX402Job, postX402Job } from "../x402-jobs";
import { getX402Nodes } from "../x402-nodes";
import { getAgentDownload, getHealth, getMetrics } from "../ops-routes";
import { AGENT_DOWNLOAD_PATH } from "../../services/agent-download/agent-bundle";
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
 * Everything under /api (the agent protocol, the x402 door, tRPC, health and
 * metrics) and the agent download, served from plain node:http handlers on
 * server.mjs's main thread; Next, in its own worker thread, gets the pages.
 * They call the same services as Next's route handlers (`next dev`), and skip
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
    // Streams both ways, so it takes the node request and response as they are.
    on(["POST"], `/api/agent/v${version}/jobs/:jobId/logs/stream`, (req, res, params, extra) =>
      serveLogStream(req, res, params.jobId ?? "", extra),
    );
  }
  on(["POST"], "/api/x402/jobs", async (req, res, _params, extra) => {
    writePlain(res, await postX402Job(plainRequestOf(req, res)), extra);
  });
  on(["GET"], "/api/x402/nodes", async (req, res, _params, extra) => {
    writePlain(res, await getX402Nodes(plainRequestOf(req, res)), extra);
  });
  on(["GET"], "/api/x402/jobs/:id", async (req, res, params, extra) => {
    writePlain(res, await getX402Job(plainRequestOf(req, res), { id: params.id ?? "" }), extra);
  });
  on(["GET", "POST"], "/api/trpc/*", async (req, res, _params, extra) => {
    await serveTrpc(await getDeps(), req, res, extra);
  });
  on(["GET", "HEAD"], "/api/health", async (_req, res, _params, extra) => writePlain(res, await getHealth(), extra));
  on(["GET"], "/api/metrics", async (req, res, _params, extra) => {
    writePlain(res, await getMetrics(plainRequestOf(req, res)), extra);
  });
  on(["GET", "HEAD"], AGENT_DOWNLOAD_PATH, async (_req, res, _params, extra) => {
    writePlain(res, await getAgentDownload(), extra);
  });
  return router;
}

export interface LeanOptions {
  /** Sent with every lean answer: the API security headers (next.config.mjs `apiSecurityHeaders`), as Next sends them under /api. */
  headers?: Record<string, string>;
}

/** Any other path or method under /api: a JSON 404 here, so the pages process never sees /api. */
const noRoute: LeanRoute = async (req, res, _params, extra) => {
  const message = `There is no ${req.method} ${req.url?.split("?")[0]} in this API.`;
  writePlain(res, errorAnswer(new AppError("NOT_FOUND", message), randomUUID()), extra);
};

/**
 * Returns a node:http handler that answers the lean paths (all of /api, and
 * the agent download) and returns true, or returns false (touching nothing)
 * for a page, which Next serves.
 */
export function createLeanHandler(opts: LeanOptions = {}) {
  const router = leanRouter();
  const extra = opts.headers ?? {};
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (!path.startsWith("/api/") && path !== AGENT_DOWNLOAD_PATH) return false;
    const method = req.method as FindMyWay.HTTPMethod;
    const found = (ANY as readonly string[]).includes(method) ? router.find(method, path) : null;
    const route = found ? (found.store as LeanRoute) : noRoute;
    route(req, res, found?.params ?? {}, extra).catch((err: unknown) => {
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
