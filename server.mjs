/**
 * `npm start`: one node:http server. The machine-facing paths (agent protocol,
 * x402 door, tRPC) are answered by the lean layer (src/server/http/lean,
 * bundled into dist/lean-server.mjs by `npm run build`); Next serves the rest
 * (pages, health, metrics). Both share the process's one Deps.
 *
 * The client address comes from the socket. Next's App Router cannot see the
 * socket, and a client can send any X-Forwarded-For, so unless TRUST_PROXY is
 * set (behind our nginx, which sets X-Real-IP) we overwrite it here.
 */
import { createServer } from "node:http";
import next from "next";
import { boot, createLeanHandler, drain, headerObject } from "./dist/lean-server.mjs";
import { apiSecurityHeaders } from "./next.config.mjs";

const port = Number(process.env.PORT ?? 3000);
// Loopback unless HOST says otherwise: the embedded default (demo node, demo wallet) is for this machine.
const hostname = process.env.HOST || "127.0.0.1";
const trustProxy = ["true", "1", "yes"].includes(process.env.TRUST_PROXY ?? "");
// Served over https (PUBLIC_URL): browsers must never fall back to plain http.
const hsts = (process.env.PUBLIC_URL ?? "").startsWith("https://");

// Deps, migrations of the embedded database, background loops: once, before Next (whose
// instrumentation hook then finds them started).
await boot();
const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const lean = createLeanHandler({ headers: headerObject(apiSecurityHeaders) });

const server = createServer((req, res) => {
  if (!trustProxy) {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    delete req.headers["x-real-ip"];
  }
  if (hsts) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (!lean(req, res)) handle(req, res);
});
// Long-poll claims wait up to 30 s: keep their sockets (and the agents' kept-alive ones) open longer.
server.keepAliveTimeout = Number(process.env.KEEP_ALIVE_TIMEOUT ?? 65_000);
server.listen(port, hostname, () => {
  console.log(
    JSON.stringify({ level: 30, time: Date.now(), msg: `ComputeSwarm listening on http://localhost:${port}` }),
  );
});

// `docker stop` / Ctrl-C: stop accepting, store the live log chunks still waiting (log-buffer.ts),
// exit. Open long-poll claims are cut; their agents retry against another replica.
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
    drain()
      .catch((err) => console.error(JSON.stringify({ level: 50, time: Date.now(), msg: `drain: ${err.message}` })))
      .finally(() => process.exit(0));
  });
}
