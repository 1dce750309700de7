/**
 * Node registry benchmark: 1,000 registered nodes, then heartbeat, discovery
 * and registration under load.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { randomBytes } from "node:crypto";
import { JOB_TYPES, signSellerMessage, type RegisterNodeMessage } from "@computeswarm/protocol";
import { runScenario } from "./report";

const MODELS = [
  ["NVIDIA H200", 143771],
  ["NVIDIA H100 80GB HBM3", 81559],
  ["NVIDIA A100-SXM4-80GB", 81920],
  ["NVIDIA GeForce RTX 4090", 24564],
  ["NVIDIA L40S", 46068],
] as const;

async function signedRegistration(i: number, marketplaceUrl: string) {
  const seller = privateKeyToAccount(generatePrivateKey());
  const [model, vram] = MODELS[i % MODELS.length]!;
  const message: RegisterNodeMessage = {
    seller: seller.address,
    gpuInfo: {
      model,
      vramMiB: vram,
      gpuCount: 1 + (i % 8),
      benchmark: { tflops: 100 + (i % 700) },
      jobTypes: [...JOB_TYPES],
    },
    pricePerHour: (0.2 + (i % 40) / 10).toFixed(2),
    endpoint: "",
    nonce: randomBytes(12).toString("hex"),
    expiry: Math.floor(Date.now() / 1000) + 3000,
  };
  return JSON.stringify(await signSellerMessage(seller, { chainId: 31337, marketplaceUrl }, "RegisterNode", message));
}

/** One client (latency as a single caller sees it) and ten (throughput under load). */
const CONNECTIONS = [1, 10];

/** One registration; a 503 (the database pool busy on a loaded machine) is retried as an agent would. */
async function register(url: string, body: string): Promise<{ agentToken: string; nodeId: string }> {
  for (let attempt = 1; ; attempt++) {
    const r = await fetch(`${url}/api/agent/v2/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    if (r.status === 201) return (await r.json()) as { agentToken: string; nodeId: string };
    if (r.status !== 503 || attempt === 5) throw new Error(`registration answered ${r.status}: ${await r.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

/** Registers `nodes` nodes (varied GPUs and prices) and beats once for each. */
export async function registerNodes(url: string, nodes: number): Promise<{ tokens: string[]; nodeIds: string[] }> {
  const bodies = await Promise.all(Array.from({ length: nodes }, (_, i) => signedRegistration(i, url)));
  const tokens: string[] = [];
  const nodeIds: string[] = [];
  for (let i = 0; i < bodies.length; i += 50) {
    const batch = await Promise.all(bodies.slice(i, i + 50).map((body) => register(url, body)));
    tokens.push(...batch.map((b) => b.agentToken));
    nodeIds.push(...batch.map((b) => b.nodeId));
  }
  for (let i = 0; i < tokens.length; i += 100)
    await Promise.all(
      tokens.slice(i, i + 100).map((t) =>
        fetch(`${url}/api/agent/v2/heartbeat`, {
          method: "POST",
          headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
          body: "{}",
        }),
      ),
    );
  return { tokens, nodeIds };
}

const FILTERS = [
  {},
  { gpuModel: "h100" },
  { minVramMiB: 80000, sort: "price_asc" },
  { maxPricePerHour: "1.50", sort: "vram_desc" },
  { minGpuCount: 4, sort: "tflops_desc" },
  { sort: "newest", limit: 50 },
];

/**
 * nodes.list over /api/trpc (`door` "trpc", the browser's) or GET /api/x402/nodes ("x402", plain JSON
 * for software buyers), cycling through FILTERS; `vary`: every request misses the cache.
 */
export function discoveryScenario(
  name: string,
  vary: boolean,
  connections: number,
  seconds?: number,
  door: "trpc" | "x402" = "trpc",
) {
  let f = 0;
  return {
    name,
    connections,
    durationSeconds: seconds,
    target: "p95 < 10 ms uncached",
    method: "GET" as const,
    next: () => {
      // A different price cap each time defeats the few-second cache: every request is a real query.
      const input = vary
        ? { ...FILTERS[f % FILTERS.length], maxPricePerHour: (0.5 + (f % 3500) / 1000).toFixed(3) }
        : FILTERS[f % FILTERS.length];
      f++;
      if (door === "x402") {
        const query = new URLSearchParams(Object.entries(input ?? {}).map(([k, v]) => [k, String(v)]));
        return { path: `/api/x402/nodes?${query}` };
      }
      return { path: `/api/trpc/nodes.list?input=${encodeURIComponent(JSON.stringify({ json: input }))}` };
    },
  };
}

export async function benchRegistry(url: string, nodes = 1000, registered?: { tokens: string[] }) {
  console.log(`\nNode registry (${nodes} registered nodes)`);
  const { tokens } = registered ?? (await registerNodes(url, nodes));

  let n = 0;
  for (const connections of CONNECTIONS) {
    await runScenario(url, {
      name: `heartbeat, ${connections} conn`,
      target: "p95 < 5 ms",
      connections,
      next: () => ({
        path: "/api/agent/v2/heartbeat",
        body: JSON.stringify({ gpuUtilization: n % 100 }),
        headers: { authorization: `Bearer ${tokens[n++ % tokens.length]}` },
      }),
    });
  }

  const discovery = (name: string, vary: boolean, connections: number) =>
    runScenario(url, discoveryScenario(`${name}, ${connections} conn`, vary, connections));
  for (const c of CONNECTIONS) await discovery("discovery, cached", false, c);
  for (const c of CONNECTIONS) await discovery("discovery, uncached", true, c);
  await runScenario(
    url,
    discoveryScenario("discovery, uncached, GET /api/x402/nodes, 10 conn", true, 10, undefined, "x402"),
  );

  const fresh = await Promise.all(Array.from({ length: 3000 }, (_, i) => signedRegistration(nodes + i, url)));
  let r = 0;
  for (const connections of CONNECTIONS) {
    await runScenario(url, {
      name: `registration, ${connections} conn`,
      target: "p95 < 20 ms",
      connections,
      amount: fresh.length / CONNECTIONS.length,
      next: () => ({ path: "/api/agent/v2/register", body: fresh[r++ % fresh.length] }),
    });
  }
}
