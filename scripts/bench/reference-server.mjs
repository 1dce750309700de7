// The bare reference for the heartbeat bench (#14): a plain node:http server
// doing what a heartbeat must do and nothing else — read the JSON body, hash
// the bearer token (sha256), look the node up, `SET heartbeat:{id} <ts> EX 60`
// in Redis — so the bench can print ComputeSwarm's heartbeat beside it.
//   node scripts/bench/reference-server.mjs <port> <tokens.json: { sha256hex: nodeId }>
// Redis: REDIS_URL (+ REDIS_KEY_PREFIX), else an in-process ioredis-mock.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import Redis from "ioredis";
import RedisMock from "ioredis-mock";

const [port, tokensFile] = process.argv.slice(2);
const nodes = new Map(Object.entries(JSON.parse(readFileSync(tokensFile, "utf8"))));
const prefix = process.env.REDIS_KEY_PREFIX ?? "";
const redis = process.env.REDIS_URL
  ? new Redis(process.env.REDIS_URL, { keyPrefix: prefix, enableAutoPipelining: true })
  : new RedisMock({ keyPrefix: prefix });

function answer(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString() || "{}");
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const nodeId = nodes.get(createHash("sha256").update(token).digest("hex"));
      if (!nodeId) return answer(res, 401, { error: "bad token" });
      const now = Date.now();
      await redis.set(`heartbeat:${nodeId}`, String(now), "EX", 60);
      answer(res, 200, { ok: true, serverTime: now });
    } catch {
      answer(res, 400, { error: "bad request" });
    }
  });
}).listen(Number(port), "127.0.0.1", () => process.send?.("ready"));
