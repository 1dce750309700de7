/**
 * `npm start`: Next's request handler behind a plain Node HTTP server, so the
 * client address comes from the socket. Next's App Router cannot see the
 * socket, and a client can send any X-Forwarded-For, so unless TRUST_PROXY is
 * set (behind our nginx, which sets X-Real-IP) we overwrite it here.
 */
import { createServer } from "node:http";
import next from "next";

const port = Number(process.env.PORT ?? 3000);
// Loopback unless HOST says otherwise: the embedded default (demo node, demo wallet) is for this machine.
const hostname = process.env.HOST || "127.0.0.1";
const trustProxy = ["true", "1", "yes"].includes(process.env.TRUST_PROXY ?? "");
// Served over https (PUBLIC_URL): browsers must never fall back to plain http.
const hsts = (process.env.PUBLIC_URL ?? "").startsWith("https://");

const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

createServer((req, res) => {
  if (!trustProxy) {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    delete req.headers["x-real-ip"];
  }
  if (hsts) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  handle(req, res);
}).listen(port, hostname, () => {
  console.log(
    JSON.stringify({ level: 30, time: Date.now(), msg: `ComputeSwarm listening on http://localhost:${port}` }),
  );
});
