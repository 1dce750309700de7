/**
 * Payments benchmark on one local anvil, in one run:
 *  - paid submissions over HTTP with 20 concurrent clients of pre-signed payments, side
 *    by side:
 *      ComputeSwarm: POST /api/x402/jobs (the x402 door service behind a node:http server
 *        in this process), auth-capture: verify, write job + payment, `authorize` into
 *        escrow; 201 only once the escrow holds the ceiling.
 *      reference: an express server with @x402/express's `paymentMiddleware` and an
 *        in-process facilitator (`x402Facilitator` + `registerExactEvmScheme`, a viem
 *        wallet with viem's nonceManager as its signer), exact: verify, handler, settle
 *        `transferWithAuthorization` in the request.
 *    Each side gets the same number of payments, signed before the clock starts (signing
 *    is the wallet's work). Both servers and the clients share this process, so neither
 *    side gets the machine to itself.
 *  - completion → captured on chain: from the agent's `complete` call to the payment's
 *    "captured" event (settlement worker woken by the Redis nudge: capture + void), and
 *    completedAt → confirmedAt as recorded.
 * Embedded PGlite + in-process Redis by default; set DATABASE_URL and REDIS_URL for real
 * servers (a fresh database and key prefix, dropped afterwards). Ports 3400–3499, or
 * BENCH_PORT_BASE … +9 when set.
 *
 *   npm run bench:payments -- [payments=600] [settlements=100] [concurrency=20]
 *
 * PAYMENTS_CPU_PROFILE=<dir>: our concurrent rounds also run under the CPU profiler (servers
 * and clients of this process); the .cpuprofile goes to <dir> and the top costs are printed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Session } from "node:inspector/promises";
import express from "express";
import pg from "pg";
import { deleteRedisKeys } from "./app";
import { createWalletClient, http as viemHttp, nonceManager, publicActions, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { FacilitatorClient } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme as ExactEvmServerScheme } from "@x402/evm/exact/server";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { parseEnv } from "../../src/server/env";
import { createDeps, type Deps } from "../../src/server/deps";
import { createLogger } from "../../src/server/logger";
import { openSqlRunner } from "../../src/server/db/connect";
import { loadMigrations, runMigrations } from "../../src/server/db/migrate";
import { startAnvil, type AnvilInstance } from "../../src/server/dev/chain/anvil";
import { anvilAccount } from "../../src/server/dev/chain/accounts";
import { getChain, type ChainService } from "../../src/server/payments/chain-service";
import { subscribe } from "../../src/server/services/events/bus";
import { submitJobInputSchema } from "../../src/server/services/jobs/submit-job";
import { x402SubmitJob } from "../../src/server/services/payments/x402-door";
import { startSettlementWorker } from "../../src/server/services/payments/settlement-worker";
import { anvilWallet, signPayment } from "../../src/test/chain";
import { offer, signAuthCapture } from "../../src/test/escrow-payments";
import { onlineNode, pythonJob, signedInCaller, type Caller } from "../../src/test/market";
import { percentiles } from "./report";

const [PAYMENTS = 600, SETTLEMENTS = 100, CONCURRENCY = 20] = process.argv.slice(2).map(Number);
const WARMUP = 20;
/** Payments each side also gets one at a time: latency without queueing. */
const ONE_AT_A_TIME = 50;
/** The reference's relayer: not ours (account 0), so the two never share a nonce. */
const REFERENCE_RELAYER_INDEX = 5;

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

/** Ports BENCH_PORT_BASE … +9 when set (a share of a shared machine), else 3400–3499. */
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 3400);
const PORT_SPAN = process.env.BENCH_PORT_BASE ? 10 : 100;

/** Listens on a free port in this bench's range. */
async function listenInRange(server: http.Server): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORT_BASE + Math.floor(Math.random() * PORT_SPAN);
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  throw new Error(`no free port in ${PORT_BASE}–${PORT_BASE + PORT_SPAN - 1}`);
}

const closeServer = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

let reported500 = false;

/** Our x402 door (the service POST /api/x402/jobs calls) behind a bare node:http server. */
function doorServer(deps: Deps): http.Server {
  return http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    try {
      const input = submitJobInputSchema.parse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      const request = new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers });
      const response = await x402SubmitJob(deps, request, input, "127.0.0.1");
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
    } catch (err) {
      if (!reported500) console.error("our door answered 500 (first one shown):", err);
      reported500 = true;
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    }
  });
}

/** The stock x402 resource server: express + paymentMiddleware + an in-process facilitator that settles. */
function referenceServer(chain: ChainService, rpcUrl: string, payTo: Address, amountAtomic: string): http.Server {
  const account = privateKeyToAccount(anvilAccount(REFERENCE_RELAYER_INDEX).privateKey, { nonceManager });
  const wallet = createWalletClient({
    account,
    chain: chain.network.chain,
    transport: viemHttp(rpcUrl),
    pollingInterval: 50,
  }).extend(publicActions);
  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, {
    signer: toFacilitatorEvmSigner({ ...wallet, address: account.address } as unknown as Parameters<
      typeof toFacilitatorEvmSigner
    >[0]),
    networks: chain.network.caip2,
  });
  // The facilitator in-process: the resource server calls it as it would call a remote one.
  const resourceServer = new x402ResourceServer({
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient["getSupported"]>>,
  }).register(chain.network.caip2, new ExactEvmServerScheme());
  const app = express();
  app.use(
    paymentMiddleware(
      {
        "POST /jobs": {
          accepts: {
            scheme: "exact",
            network: chain.network.caip2,
            payTo,
            price: {
              asset: chain.network.usdc.address,
              amount: amountAtomic,
              extra: { name: chain.network.usdc.name, version: chain.network.usdc.version },
            },
          },
          description: "a compute job (reference)",
        },
      },
      resourceServer,
    ),
  );
  app.post("/jobs", (_req, res) => {
    res.status(201).json({ jobId: randomBytes(16).toString("hex") });
  });
  return http.createServer(app);
}

interface Shot {
  path: string;
  body: string;
  headers: Record<string, string>;
}

function post(
  agent: http.Agent,
  base: string,
  shot: Shot,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${shot.path}`,
      { method: "POST", agent, headers: { "content-type": "application/json", ...shot.headers } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end(shot.body);
  });
}

/** CPU seconds a process has used (utime + stime from /proc; Linux clock ticks are 1/100 s). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Run {
  latencies: number[];
  failures: Map<number, number>;
  seconds: number;
  nodeCpuSeconds: number;
  anvilCpuSeconds: number;
}

/**
 * `concurrency` clients, each sending its next pre-signed request as soon as its last one
 * is answered. Also the CPU this process (servers and clients) and anvil used meanwhile:
 * unlike latency, CPU per request hardly depends on what else the machine is doing.
 */
async function drive(base: string, shots: Shot[], concurrency: number, anvilPid: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const failures = new Map<number, number>();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const anvil0 = await cpuSecondsOf(anvilPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < shots.length) {
        const shot = shots[next++]!;
        const s = performance.now();
        const { status } = await post(agent, base, shot);
        if (status >= 200 && status < 300) latencies.push(performance.now() - s);
        else failures.set(status, (failures.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const anvilCpuSeconds = (await cpuSecondsOf(anvilPid)) - anvil0;
  agent.destroy();
  return { latencies, failures, seconds, nodeCpuSeconds: (cpu.user + cpu.system) / 1e6, anvilCpuSeconds };
}

function summary(runs: Run[]) {
  const latencies = runs.flatMap((r) => r.latencies);
  const sum = (pick: (r: Run) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const failures = new Map<number, number>();
  for (const r of runs) for (const [status, n] of r.failures) failures.set(status, (failures.get(status) ?? 0) + n);
  const perPaidMs = (seconds: number) => (seconds * 1000) / Math.max(1, latencies.length);
  return {
    ...percentiles(latencies),
    paidPerSecond: latencies.length / sum((r) => r.seconds),
    failures,
    nodeCpuMs: perPaidMs(sum((r) => r.nodeCpuSeconds)),
    anvilCpuMs: perPaidMs(sum((r) => r.anvilCpuSeconds)),
  };
}

/** The 402's requirements for an unpaid request. */
async function requirementsOf(base: string, shot: Shot): Promise<PaymentRequirements[]> {
  const agent = new http.Agent();
  const { status, headers } = await post(agent, base, shot);
  agent.destroy();
  const header = headers["payment-required"];
  if (status !== 402 || typeof header !== "string")
    throw new Error(`expected a 402 from ${base}${shot.path}, got ${status}`);
  return decodePaymentRequiredHeader(header).accepts;
}

const paid = (shot: Shot, payment: PaymentPayload): Shot => ({
  ...shot,
  headers: { "PAYMENT-SIGNATURE": encodePaymentSignatureHeader(payment) },
});

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Runs `fn` under the inspector's CPU profiler when PAYMENTS_CPU_PROFILE names a folder. */
async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.PAYMENTS_CPU_PROFILE;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    session.disconnect();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `payments-${label}-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    printProfile(profile, file);
  }
}

/** Self time by package and by frame, and time inside a few named calls (stack-inclusive). */
function printProfile(profile: CpuProfile, file: string) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const pkg = (url: string) =>
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith("node:") ? "node" : url ? "ours" : "(vm)");
  const frame = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*node_modules\//, "").replace(/^.*\/wt-[^/]+\//, "")}`;
  const watched = [
    "recoverTypedDataAddress",
    "hashTypedData",
    "recoverPublicKey",
    "estimateContractGas",
    "encodeFunctionData",
    "signTransaction",
    "sendRawTransaction",
    "getTransactionReceipt",
    "parseEventLogs",
    "$transaction",
    "publish",
    "encodePaymentResponseHeader",
    "decodePaymentSignatureHeader",
  ];
  const selfByPkg = new Map<string, number>();
  const selfByFrame = new Map<string, number>();
  const inside = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    total += dt;
    selfByPkg.set(pkg(n.callFrame.url), (selfByPkg.get(pkg(n.callFrame.url)) ?? 0) + dt);
    selfByFrame.set(frame(n), (selfByFrame.get(frame(n)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (watched.includes(name)) seen.add(name);
    }
    for (const name of seen) inside.set(name, (inside.get(name) ?? 0) + dt);
  });
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  console.log(`\n  CPU profile of our side (${(total / 1e6).toFixed(2)} s sampled, ${file}):`);
  console.log(
    `  self time by package: ${top(selfByPkg, 8)
      .map(([k, us]) => `${k} ${pct(us).trim()}`)
      .join(", ")}`,
  );
  console.log(
    `  inside (stack-inclusive): ${top(inside, watched.length)
      .map(([k, us]) => `${k} ${pct(us).trim()}`)
      .join(", ")}`,
  );
  for (const [k, us] of top(selfByFrame, 15)) console.log(`  ${pct(us)}  ${k}`);
}

async function benchPaidSubmissions(deps: Deps, chain: ChainService, anvil: AnvilInstance) {
  const node = await onlineNode(deps, "0.36"); // 0.006 USDC per 60 s job
  // The node's agent keeps beating: on a busy machine the rounds outlast the heartbeat TTL.
  const beating = setInterval(() => void node.agent.agent.heartbeat({}).catch(() => undefined), 15_000);
  const buyer = anvilWallet(1);
  const door = doorServer(deps);
  const ours = await listenInRange(door);
  const unpaidJob: Shot = { path: "/api/x402/jobs", body: JSON.stringify(pythonJob(node.nodeId)), headers: {} };
  const escrowOffer = offer({ accepts: await requirementsOf(ours, unpaidJob) }, "auth-capture");

  const reference = referenceServer(chain, anvil.rpcUrl, node.seller.address, escrowOffer.amount);
  const theirs = await listenInRange(reference);
  const unpaidRef: Shot = { path: "/jobs", body: "{}", headers: {} };
  const [exactOffer] = await requirementsOf(theirs, unpaidRef);
  try {
    const sign = (n: number, one: () => Promise<PaymentPayload>) => Promise.all(Array.from({ length: n }, one));
    const [ourShots, refShots] = await Promise.all([
      sign(WARMUP + PAYMENTS + ONE_AT_A_TIME, () => signAuthCapture(buyer, escrowOffer)).then((ps) =>
        ps.map((p) => paid(unpaidJob, p)),
      ),
      sign(WARMUP + PAYMENTS + ONE_AT_A_TIME, () => signPayment(buyer, exactOffer!)).then((ps) =>
        ps.map((p) => paid(unpaidRef, p)),
      ),
    ]);
    await drive(theirs, refShots.slice(0, WARMUP), CONCURRENCY, anvil.pid);
    await drive(ours, ourShots.slice(0, WARMUP), CONCURRENCY, anvil.pid);
    // Two alternating rounds each, so a change in the machine's load hits both sides alike.
    const half = WARMUP + Math.floor(PAYMENTS / 2);
    const refRuns: Run[] = [];
    const ourRuns: Run[] = [];
    for (const [from, to] of [
      [WARMUP, half],
      [half, WARMUP + PAYMENTS],
    ] as const) {
      refRuns.push(await drive(theirs, refShots.slice(from, to), CONCURRENCY, anvil.pid));
      ourRuns.push(await profiled("ours", () => drive(ours, ourShots.slice(from, to), CONCURRENCY, anvil.pid)));
    }
    const cs = summary(ourRuns);
    const ref = summary(refRuns);
    const single = WARMUP + PAYMENTS;
    const csAlone = summary([await drive(ours, ourShots.slice(single), 1, anvil.pid)]);
    const refAlone = summary([await drive(theirs, refShots.slice(single), 1, anvil.pid)]);

    const row = (name: string, r: typeof cs) => {
      const failed = [...r.failures].map(([status, n]) => `, ${n}× HTTP ${status}`).join("");
      return [
        `  ${name.padEnd(46)}`,
        `${r.paidPerSecond.toFixed(0).padStart(5)} paid/s`,
        `p50 ${r.p50.toFixed(1).padStart(6)} ms`,
        `p95 ${r.p95.toFixed(1).padStart(6)} ms`,
        `CPU per paid: node ${r.nodeCpuMs.toFixed(1)} ms, anvil ${r.anvilCpuMs.toFixed(1)} ms`,
        `${r.n}/${PAYMENTS} paid${failed}`,
      ].join("   ");
    };
    console.log(`\npaid submissions, ${PAYMENTS} pre-signed payments each, ${CONCURRENCY} concurrent clients:`);
    console.log(row("ComputeSwarm x402 door (auth-capture: escrow)", cs));
    console.log(row("@x402/express reference (exact: settles)", ref));
    console.log(
      `  ratio ${(cs.paidPerSecond / ref.paidPerSecond).toFixed(2)}× paid/s (target ≥ 3×); our p95 ${cs.p95.toFixed(1)} ms including the on-chain authorize (target < 30 ms)`,
    );
    const alone = (name: string, r: typeof cs) =>
      `  ${name.padEnd(46)}p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms`;
    console.log(`one client, ${ONE_AT_A_TIME} payments each (latency without queueing):`);
    console.log(alone("ComputeSwarm x402 door", csAlone));
    console.log(alone("@x402/express reference", refAlone));
  } finally {
    clearInterval(beating);
    await closeServer(door);
    await closeServer(reference);
  }
}

async function benchSettlement(deps: Deps, api: Caller) {
  const stop = startSettlementWorker(deps);
  await new Promise((r) => setTimeout(r, deps.env.SETTLEMENT_INTERVAL_MS * 2)); // the worker takes the lease
  const node = await onlineNode(deps, "0.36");
  const quote = await api.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
  const buyer = anvilWallet(1);
  const payments = await Promise.all(
    Array.from({ length: SETTLEMENTS }, () => signAuthCapture(buyer, offer(quote, "auth-capture"))),
  );
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
  const line = (name: string, p: ReturnType<typeof percentiles>) =>
    `  ${name.padEnd(44)} p50 ${p.p50.toFixed(1).padStart(6)} ms   p95 ${p.p95.toFixed(1).padStart(6)} ms   (n=${p.n})`;
  console.log(`\ncompletion → captured + rest voided on chain, one job at a time:`);
  console.log(line("agent's complete call → captured event", percentiles(afterCall)));
  console.log(line("completedAt → confirmedAt (as recorded)", percentiles(recorded)));
}

async function main() {
  const anvil = await startAnvil();
  const db = await freshDatabase();
  const redisPrefix = `cs:bench:${randomBytes(4).toString("hex")}:`;
  const env = parseEnv({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    DATA_DIR: "memory://",
    RATE_LIMIT_ENABLED: "false",
    RPC_URL: anvil.rpcUrl,
    SETTLEMENT_INTERVAL_MS: "200",
    REDIS_KEY_PREFIX: redisPrefix,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  });
  const deps = await createDeps(env, { log: createLogger("silent") });
  try {
    const chain = await getChain(deps);
    console.log(`payments bench: anvil (automine), ${deps.db.kind} + ${deps.redis.kind} redis, load ${loadAverage()}`);
    await benchPaidSubmissions(deps, chain, anvil);
    await benchSettlement(deps, await signedInCaller(deps, anvilWallet(1)));
    console.log(`\nload average at the end: ${loadAverage()} (2 cores shared with other work: compare the ratio)`);
  } finally {
    await deps.redis.close();
    await deps.db.close();
    await new Promise((r) => setTimeout(r, 300)); // let the pool's connections finish closing before the drop
    await db.drop();
    if (process.env.REDIS_URL) await deleteRedisKeys(process.env.REDIS_URL, redisPrefix);
    await anvil.stop();
  }
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
