import { createServer, type IncomingMessage, type Server } from "node:http";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { setDepsForTesting, withDepsForTesting, type Deps } from "../server/deps";
import { createLeanHandler, headerObject } from "../server/http/lean/handler";
import { apiSecurityHeaders } from "../../next.config.mjs";

/**
 * Serves the app over real HTTP on 127.0.0.1, against the test's own Deps, as
 * server.mjs's main thread does: the lean layer answers all of /api and the
 * agent download (there are no pages here). The client address comes from the
 * socket, as in server.mjs. `{ next: true }` sends those paths through Next's
 * route handlers instead (`next dev`).
 */
type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>;

async function route(
  pathname: string,
): Promise<{ handler: Record<string, unknown>; params: Record<string, unknown> } | null> {
  if (pathname.startsWith("/api/trpc/")) {
    return { handler: await import("../app/api/trpc/[trpc]/route"), params: { trpc: pathname.slice(10) } };
  }
  if (pathname.startsWith("/api/agent/v1/")) {
    return {
      handler: await import("../app/api/agent/v1/[...path]/route"),
      params: { path: pathname.slice(14).split("/") },
    };
  }
  if (pathname.startsWith("/api/agent/v2/")) {
    return {
      handler: await import("../app/api/agent/v2/[...path]/route"),
      params: { path: pathname.slice(14).split("/") },
    };
  }
  if (pathname === "/api/x402/jobs") return { handler: await import("../app/api/x402/jobs/route"), params: {} };
  if (pathname === "/api/x402/nodes") return { handler: await import("../app/api/x402/nodes/route"), params: {} };
  if (pathname.startsWith("/api/x402/jobs/")) {
    return { handler: await import("../app/api/x402/jobs/[id]/route"), params: { id: pathname.slice(15) } };
  }
  if (pathname === "/agent/computeswarm-agent.js") {
    return { handler: await import("../app/agent/computeswarm-agent.js/route"), params: {} };
  }
  if (pathname === "/api/health") return { handler: await import("../app/api/health/route"), params: {} };
  if (pathname === "/api/metrics") return { handler: await import("../app/api/metrics/route"), params: {} };
  return null;
}

/**
 * One request to the app's route handlers without a socket, against `deps`
 * (which need not be the ones a running test server serves): 404 where no route matches.
 */
export async function fetchInProcess(deps: Deps, req: Request): Promise<Response> {
  const match = await route(new URL(req.url).pathname);
  const handler = match?.handler[req.method] as RouteHandler | undefined;
  if (!match || !handler) return new Response(null, { status: 404 });
  return withDepsForTesting(deps, () => handler(req, { params: Promise.resolve(match.params) }));
}

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  headers.set("x-forwarded-for", req.socket.remoteAddress ?? "unknown");
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    // @ts-expect-error Node's fetch needs duplex for streamed bodies
    duplex: "half",
  });
}

/** `port`: listen there (a drill bringing "the marketplace" back where its agents look for it); default a free one. */
export async function startTestServer(
  deps: Deps,
  opts: { port?: number; next?: boolean } = {},
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  setDepsForTesting(deps);
  let base = "";
  const lean = opts.next ? () => false : createLeanHandler({ headers: headerObject(apiSecurityHeaders) });
  const server: Server = createServer(async (req, res) => {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    delete req.headers["x-real-ip"];
    if (lean(req, res)) return;
    try {
      const url = new URL(req.url ?? "/", base);
      const match = await route(url.pathname);
      const handler = match?.handler[req.method ?? "GET"] as RouteHandler | undefined;
      if (!match || !handler) {
        res.writeHead(404).end();
        return;
      }
      const response = await handler(toRequest(req, base), { params: Promise.resolve(match.params) });
      const headers: Record<string, string | string[]> = {};
      response.headers.forEach((v, k) => (headers[k] = k === "set-cookie" ? response.headers.getSetCookie() : v));
      res.writeHead(response.status, headers);
      if (response.body) Readable.fromWeb(response.body as never).pipe(res);
      else res.end();
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  // Longer than any idle gap in a test (a slow step between two requests), so a kept-alive socket is never reset under the client.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        setDepsForTesting(undefined);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
