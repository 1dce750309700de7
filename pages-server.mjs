/**
 * Next.js, serving the pages, in a worker thread of server.mjs. It listens on a
 * private unix socket that server.mjs forwards page requests to, and opens no
 * Deps (no database, Redis or chain: instrumentation and getDeps refuse while
 * COMPUTESWARM_PAGES_ONLY is set); every /api path is served on the main thread.
 *
 * Why a thread of its own: Next installs process-wide hooks (AsyncLocalStorage's
 * promise hooks on every promise, a wrapped Date) that cost the machine-facing
 * paths about a quarter of their throughput when they share an isolate with it,
 * and a page render no longer holds up heartbeats and claims.
 */
import { createServer } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import next from "next";

const { socketPath, hostname, port } = workerData;
const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const server = createServer((req, res) => handle(req, res));
// Longer than server.mjs keeps an idle socket to here: it, not this side, ends them.
server.keepAliveTimeout = 10 * 60_000;
server.listen(socketPath, () => parentPort.postMessage({ ready: true }));
