/**
 * Job queue benchmark: 200 simulated agents long-polling for work.
 *  1. latency: jobs are submitted one by one while every agent waits in a
 *     claim; time from submitting to the agent holding the job (the nudge path);
 *  2. drain: 1,000 jobs queued at once, then the agents take them all: claims/s.
 */
import { randomBytes } from "node:crypto";
import { createTRPCClient, httpLink } from "@trpc/client";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { JOB_TYPES, signSellerMessage, type RegisterNodeMessage } from "@computeswarm/protocol";
import type { AppRouter } from "../../src/server/api/root";
import { transformer } from "../../src/lib/transformer";
import { percentiles } from "./report";

const AGENTS = 200;
const JOBS = 1000;

export async function registerFreeNode(url: string): Promise<{ nodeId: string; token: string }> {
  const seller = privateKeyToAccount(generatePrivateKey());
  const message: RegisterNodeMessage = {
    seller: seller.address,
    gpuInfo: { model: "Bench GPU", vramMiB: 1024, gpuCount: 1, jobTypes: [...JOB_TYPES] },
    pricePerHour: "0",
    endpoint: "",
    nonce: randomBytes(12).toString("hex"),
    expiry: Math.floor(Date.now() / 1000) + 600,
  };
  const signed = await signSellerMessage(seller, { chainId: 31337, marketplaceUrl: url }, "RegisterNode", message);
  const res = await fetch(`${url}/api/agent/v2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(signed),
  });
  const body = (await res.json()) as { nodeId: string; agentToken: string };
  return { nodeId: body.nodeId, token: body.agentToken };
}

export async function buyerClient(url: string) {
  let cookie = "";
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/api/trpc`,
        transformer,
        headers: () => (cookie ? { cookie } : {}),
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          const set = res.headers.get("set-cookie");
          if (set) cookie = set.split(";")[0]!;
          return res;
        },
      }),
    ],
  });
  const buyer = privateKeyToAccount(generatePrivateKey());
  const { nonce } = await client.auth.nonce.mutate();
  const host = new URL(url).host;
  const message = createSiweMessage({
    address: buyer.address,
    chainId: 31337,
    domain: host,
    nonce,
    uri: url,
    version: "1",
  });
  await client.auth.signIn.mutate({ message, signature: await buyer.signMessage({ message }) });
  return client;
}

function agentCall(url: string, token: string, path: string, body: unknown) {
  return fetch(`${url}/api/agent/v2/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  })
    .then((r) => r.json() as Promise<{ job?: { id: string } | null }>)
    .catch((err) => {
      throw new Error(`agent ${path} failed: ${err.cause?.code ?? err}`);
    });
}

export async function benchJobs(url: string) {
  console.log(`\nJob queue (${AGENTS} agents long-polling, ${JOBS} jobs)`);
  const nodes: { nodeId: string; token: string }[] = [];
  for (let i = 0; i < AGENTS; i += 20)
    nodes.push(...(await Promise.all(Array.from({ length: 20 }, () => registerFreeNode(url)))));
  await Promise.all(nodes.map((n) => agentCall(url, n.token, "heartbeat", {})));
  const buyer = await buyerClient(url);

  const claimedAt = new Map<string, number>();
  const onClaimed = new Map<string, () => void>();
  let running = true;
  async function agentLoop(node: { token: string }) {
    while (running) {
      const { job } = await agentCall(url, node.token, "claim", { waitSeconds: 5 });
      if (!job) continue;
      claimedAt.set(job.id, performance.now());
      onClaimed.get(job.id)?.();
      await agentCall(url, node.token, `jobs/${job.id}/complete`, { exitCode: 0, output: "", durationMs: 1 });
    }
  }

  // 1. Latency through the nudge: every agent is waiting when a job arrives.
  const loops = nodes.map(agentLoop);
  await new Promise((r) => setTimeout(r, 1000));
  const latencies: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i < 300; i++) {
    const node = nodes[i % nodes.length]!;
    const sent = performance.now();
    const job = await buyer.jobs.submit.mutate({
      nodeId: node.nodeId,
      jobType: "python",
      script: `print(${i})`,
      maxDurationSeconds: 60,
    });
    answered.push(performance.now() - sent);
    // Claimed before the buyer's answer arrived, or waited for after it.
    if (!claimedAt.has(job.id)) await new Promise<void>((resolve) => onClaimed.set(job.id, resolve));
    latencies.push(claimedAt.get(job.id)! - sent);
  }
  const p = percentiles(latencies);
  const a = percentiles(answered);
  console.log(
    `submit → claimed by agent       p50 ${p.p50.toFixed(1)} ms   p95 ${p.p95.toFixed(1)} ms   p99 ${p.p99.toFixed(1)} ms   (${p.n} jobs; target p95 < 20 ms)`,
  );
  console.log(`  (the buyer's submit answered   p50 ${a.p50.toFixed(1)} ms   p95 ${a.p95.toFixed(1)} ms)`);
  running = false;
  await Promise.all(loops);

  // 2. Drain: queue 1,000 at once, then let the agents at them.
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, JOBS - i) }, (_, k) =>
        buyer.jobs.submit.mutate({
          nodeId: nodes[(i + k) % nodes.length]!.nodeId,
          jobType: "shell",
          script: "true",
          maxDurationSeconds: 60,
        }),
      ),
    );
    ids.push(...batch.map((j) => j.id));
  }
  claimedAt.clear();
  running = true;
  const started = performance.now();
  const drain = nodes.map(agentLoop);
  while (ids.some((id) => !claimedAt.has(id))) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(drain);
  console.log(
    `drain ${JOBS} queued jobs          ${(JOBS / seconds).toFixed(0)} claims/s (claim + complete each) in ${seconds.toFixed(1)} s`,
  );
}
