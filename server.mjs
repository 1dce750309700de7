/**
 * `npm start`: one process, one node:http server. Everything under /api (agent
 * protocol, x402 door, tRPC, health, metrics) and the agent download are
 * answered on this thread by the lean layer (src/server/http/lean, bundled into
 * dist/lean-server.mjs by `npm run build`), which holds the process's one Deps.
 * Pages go to Next, running in a worker thread (pages-server.mjs) on a private
 * unix socket.
 *
 * The client address comes from the socket. Next's App Router cannot see the
 * socket, and a client can send any X-Forwarded-For, so unless TRUST_PROXY is
 * set (behind our nginx, which sets X-Real-IP) we overwrite it here.
 */
import { Agent, createServer, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { boot, createLeanHandler, drain, headerObject } from "./dist/lean-server.mjs";
import { apiSecurityHeaders } from "./next.config.mjs";

const port = Number(process.env.PORT ?? 3000);
// Loopback unless HOST says otherwise: the embedded default (demo node, demo wallet) is for this machine.
const hostname = process.env.HOST || "127.0.0.1";
const trustProxy = ["true", "1", "yes"].includes(process.env.TRUST_PROXY ?? "");
// Served over https (PUBLIC_URL): browsers must never fall back to plain http.
const hsts = (process.env.PUBLIC_URL ?? "").startsWith("https://");

// Deps, migrations of the embedded database, background loops: on this thread only.
await boot();
const pages = await startPages();
const lean = createLeanHandler({ headers: headerObject(apiSecurityHeaders) });

const server = createServer((req, res) => {
  if (!trustProxy) {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    delete req.headers["x-real-ip"];
  }
  if (hsts) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (!lean(req, res)) pages.forward(req, res);
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
    pages.stop();
    drain()
      .catch((err) => console.error(JSON.stringify({ level: 50, time: Date.now(), msg: `drain: ${err.message}` })))
      .finally(() => process.exit(0));
  });
}

/** Next in its worker thread; forward(req, res) streams a page request there and its answer back. */
async function startPages() {
  const dir = mkdtempSync(path.join(tmpdir(), "computeswarm-pages-"));
  const socketPath = path.join(dir, "next.sock");
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const worker = new Worker(new URL("./pages-server.mjs", import.meta.url), {
    workerData: { socketPath, hostname, port },
    env: { ...process.env, COMPUTESWARM_PAGES_ONLY: "1" },
  });
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the pages worker exited (${code}) before it was ready`)));
  });
  // A worker that dies later takes the pages with it: exit, so the supervisor restarts the whole instance.
  worker.on("exit", (code) => {
    if (stopping) return;
    console.error(JSON.stringify({ level: 60, time: Date.now(), msg: `the pages worker exited (${code})` }));
    process.exit(1);
  });
  // Idle sockets to the worker are dropped here after 30 s, long before the worker would close them
  // (pages-server.mjs: 10 min), so a request never goes out on a socket the worker is closing.
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64, timeout: 30_000 });
  const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
  const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !hopByHop.has(k)));
  return {
    forward(req, res) {
      const upstream = request(
        { socketPath, agent, method: req.method, path: req.url, headers: endToEnd(req.headers) },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
          answer.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (res.headersSent) res.destroy();
        else res.writeHead(502, { "content-type": "text/plain" }).end("The pages server is not answering.");
      });
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    },
    stop() {
      void worker.terminate();
    },
  };
}
