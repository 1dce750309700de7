/**
 * Payments benchmark on a local anvil, in-process (the services through the tRPC
 * caller, as the UI's jobs.submit reaches them; no HTTP):
 *  - paid job submission with the auth-capture scheme, including verification and the
 *    on-chain `authorize` into escrow (201 only once the escrow holds the ceiling):
 *    p50/p95 one at a time, and submissions/s with 20 in flight (signing is the
 *    wallet's work: done before);
 *  - completion → captured on chain: from the agent's `complete` call to the payment
 *    event on job:{id} (settlement worker woken by the Redis nudge: capture + void),
 *    and completedAt → confirmedAt as recorded.
 * Embedded PGlite + in-process Redis by default; set DATABASE_URL and REDIS_URL for
 * real servers (a fresh database is created and dropped).
 *
 *   npx tsx scripts/bench/payments.ts [submissions=300] [settlements=100] [concurrency=20]
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { PaymentPayload } from "@x402/core/types";
import { parseEnv } from "../../src/server/env";
import { createDeps, type Deps } from "../../src/server/deps";
import { createLogger } from "../../src/server/logger";
import { openSqlRunner } from "../../src/server/db/connect";
import { loadMigrations, runMigrations } from "../../src/server/db/migrate";
import { startAnvil } from "../../src/server/payments/chain/anvil";
import { getChain } from "../../src/server/payments/chain-service";
import { subscribe } from "../../src/server/services/events/bus";
import { startSettlementWorker } from "../../src/server/services/payments/settlement-worker";
import { anvilWallet } from "../../src/test/chain";
import { offer, signAuthCapture } from "../../src/test/escrow-payments";
import { onlineNode, pythonJob, signedInCaller, type Caller } from "../../src/test/market";
import { percentiles } from "./report";

const [SUBMISSIONS = 300, SETTLEMENTS = 100, CONCURRENCY = 20] = process.argv.slice(2).map(Number);

async function freshDatabase(): Promise<{ url?: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { drop: async () => {} };
  const name = `cs_bench_pay_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const { runner, close } = await openSqlRunner({
    DATABASE_URL: u.toString(),
    DATA_DIR: "memory://",
    DATABASE_POOL_SIZE: 1,
  });
  await runMigrations(runner, await loadMigrations());
  await close();
  return {
    url: u.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const fmt = (p: ReturnType<typeof percentiles>) =>
  `p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms (n=${p.n})`;

async function signAll(
  node: Awaited<ReturnType<typeof onlineNode>>,
  api: Caller,
  n: number,
): Promise<PaymentPayload[]> {
  const quote = await api.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
  const buyer = anvilWallet(1);
  return Promise.all(Array.from({ length: n }, () => signAuthCapture(buyer, offer(quote, "auth-capture"))));
}

async function benchSubmissions(deps: Deps, api: Caller) {
  const node = await onlineNode(deps, "0.36"); // 0.006 USDC per 60 s job
  const warm = await signAll(node, api, 20);
  for (const payment of warm) await api.jobs.submit({ ...pythonJob(node.nodeId), payment });

  const sequential = await signAll(node, api, SUBMISSIONS);
  const latencies: number[] = [];
  for (const payment of sequential) {
    const t0 = performance.now();
    await api.jobs.submit({ ...pythonJob(node.nodeId), payment });
    latencies.push(performance.now() - t0);
  }
  console.log(`paid submission (verify + authorize into escrow), one at a time: ${fmt(percentiles(latencies))}`);

  const parallel = await signAll(node, api, SUBMISSIONS);
  const inFlight: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < parallel.length) {
        const payment = parallel[next++]!;
        const s = performance.now();
        await api.jobs.submit({ ...pythonJob(node.nodeId), payment });
        inFlight.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `paid submission (verify + authorize into escrow), ${CONCURRENCY} in flight: ${(parallel.length / seconds).toFixed(0)} submissions/s; ${fmt(percentiles(inFlight))}`,
  );
}

async function benchSettlement(deps: Deps, api: Caller) {
  const stop = startSettlementWorker(deps);
  await new Promise((r) => setTimeout(r, deps.env.SETTLEMENT_INTERVAL_MS * 2)); // the worker takes the lease
  const node = await onlineNode(deps, "0.36");
  const payments = await signAll(node, api, SETTLEMENTS);
  const afterCall: number[] = [];
  const recorded: number[] = [];
  try {
    for (const payment of payments) {
      const job = await api.jobs.submit({ ...pythonJob(node.nodeId), payment });
      const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
      let settled!: () => void;
      const done = new Promise<void>((r) => (settled = r));
      const unsubscribe = await subscribe(deps, `job:${job.id}`, (m) => {
        const e = JSON.parse(m) as { type: string; status?: string };
        if (e.type === "payment" && e.status === "captured") settled();
      });
      const t0 = performance.now();
      await node.agent.agent.complete({ jobId: claimed!.id, exitCode: 0, output: "ok", durationMs: 1 });
      await done;
      afterCall.push(performance.now() - t0);
      await unsubscribe();
      const row = await deps.prisma.payment.findUniqueOrThrow({ where: { jobId: job.id }, include: { job: true } });
      if (row.status !== "captured") throw new Error(`payment ${row.id} is ${row.status}: ${row.lastError}`);
      recorded.push(row.confirmedAt!.getTime() - row.job.completedAt!.getTime());
    }
  } finally {
    await stop();
  }
  console.log(`completion → captured on chain (agent's complete call → payment event): ${fmt(percentiles(afterCall))}`);
  console.log(`completion → captured on chain (completedAt → confirmedAt, as recorded): ${fmt(percentiles(recorded))}`);
}

async function main() {
  const anvil = await startAnvil();
  const db = await freshDatabase();
  const env = parseEnv({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    DATA_DIR: "memory://",
    RATE_LIMIT_ENABLED: "false",
    RPC_URL: anvil.rpcUrl,
    SETTLEMENT_INTERVAL_MS: "200",
    REDIS_KEY_PREFIX: `cs:bench:${randomBytes(4).toString("hex")}:`,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  });
  const deps = await createDeps(env, { log: createLogger("silent") });
  try {
    await getChain(deps);
    console.log(`payments bench on anvil, ${deps.db.kind} + ${deps.redis.kind} redis, in-process facilitator`);
    const api = await signedInCaller(deps, anvilWallet(1));
    await benchSubmissions(deps, api);
    await benchSettlement(deps, api);
  } finally {
    await deps.redis.close();
    await deps.db.close();
    await new Promise((r) => setTimeout(r, 300)); // let the pool's connections finish closing before the drop
    await db.drop();
    await anvil.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
