/**
 * Simulated agents on one instance (#14): each agent heartbeats every 15 s,
 * runs one job that streams a log chunk every 500 ms, and keeps a long-poll
 * claim open. Prints per-call p95, the app's event-loop lag p99 and its RSS at
 * the start and the end.
 *   BENCH_AGENTS (default 2000), BENCH_AGENTS_SECONDS (default 60), BENCH_AGENT_LOGS=post
 *   (a POST per log chunk instead of the agent's logs/stream);
 *   the full target: BENCH_AGENTS=10000 BENCH_AGENTS_SECONDS=600 npm run bench -- agents
 */
import { BENCH_METRICS_TOKEN, type BenchApp } from "./app";
import { buyerClient, registerFreeNode } from "./jobs";
import { percentiles } from "./report";
import { readFile } from "node:fs/promises";
import { LOG_STREAM_MAX_SECONDS, ndjsonLines } from "@computeswarm/protocol";
import { Agent, request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 2000);
export const AGENTS_SECONDS = Number(process.env.BENCH_AGENTS_SECONDS ?? 60);
const SECONDS = AGENTS_SECONDS;
const HEARTBEAT_MS = 15_000;
const LOG_MS = 500;
const CLAIM_WAIT_SECONDS = 25;
/** How jobs send their log chunks: `stream` (logs/stream, as the agent does) or `post` (a POST per chunk, as before). */
const LOGS_OVER = process.env.BENCH_AGENT_LOGS === "post" ? "post" : "stream";

/** CPU seconds the process has used (user + system): work per call, whatever else the machine runs. */
async function cpuSeconds(pid: number): Promise<{ user: number; system: number; total: number }> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
  const [user, system] = [Number(fields[11]) / 100, Number(fields[12]) / 100]; // utime, stime in clock ticks (USER_HZ 100)
  return { user, system, total: user + system };
}

/** The app's metrics text. Each scrape also restarts its event-loop lag histogram. */
async function scrapeMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  return res.text();
}

/** The value of the sample of `name` carrying all of `labels` (in any order) in a metrics text; 0 when absent. */
function metricValue(metrics: string, name: string, labels: string[] = []): number {
  const line = metrics
    .split("\n")
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((label) => l.includes(label)));
  return Number(line?.slice(line.lastIndexOf(" ") + 1) ?? 0);
}

/** Garbage collection between two scrapes, by kind: how many, their total pause, and how many took 100 ms or more. */
function gcBetween(before: string, after: string): string {
  return ["major", "minor", "incremental"]
    .map((kind) => {
      const of = `kind="${kind}"`;
      const delta = (name: string, labels: string[] = []) =>
        metricValue(after, name, [of, ...labels]) - metricValue(before, name, [of, ...labels]);
      const count = delta("nodejs_gc_duration_seconds_count");
      const ms = delta("nodejs_gc_duration_seconds_sum") * 1000;
      const long = count - delta("nodejs_gc_duration_seconds_bucket", ['le="0.1"']);
      return `${kind} ${count} (${ms.toFixed(0)} ms, ${long} of 100 ms or more)`;
    })
    .join(", ");
}

/** A procedure's cumulative latency buckets (upper bound in s → count) in a metrics text. */
function latencyBuckets(metrics: string, procedure: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const line of metrics.split("\n")) {
    if (!line.startsWith("cs_request_duration_seconds_bucket{") || !line.includes(`procedure="${procedure}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) buckets.set(le === "+Inf" ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return buckets;
}

/**
 * The app's own p95 and p99 for a procedure between two scrapes, as the
 * histogram bucket each falls in ("≤ 25 ms"): the time spent in the handler,
 * without the sockets and queues a client's measurement also holds.
 */
function serverSide(before: string, after: string, procedure: string): string {
  const start = latencyBuckets(before, procedure);
  const end = [...latencyBuckets(after, procedure)].sort(([a], [b]) => a - b);
  const count = (le: number, n: number) => n - (start.get(le) ?? 0);
  const total = count(...(end.at(-1) ?? [Infinity, 0]));
  if (total === 0) return `${procedure}: none`;
  const bound = (q: number) => {
    const hit = end.find(([le, n]) => count(le, n) >= q * total)?.[0] ?? Infinity;
    return hit === Infinity ? "> 2.5 s" : `≤ ${hit * 1000} ms`;
  };
  return `${procedure} p95 ${bound(0.95)}, p99 ${bound(0.99)} (${total} observed)`;
}

/** The machine's busy and total CPU ticks so far (/proc/stat): two readings give how near saturation a run was. */
async function machineBusy(): Promise<{ busy: number; total: number }> {
  const cpu = (await readFile("/proc/stat", "utf8")).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!; // idle + iowait
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** An answer as the simulator reads it. */
interface Answer {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export async function benchAgents(app: BenchApp) {
  console.log(`\nSimulated agents: ${AGENTS} on one instance for ${SECONDS} s, logs over ${LOGS_OVER}`);
  const nodes: { nodeId: string; token: string }[] = [];
  for (let i = 0; i < AGENTS; i += 50)
    nodes.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, AGENTS - i) }, () => registerFreeNode(app.url)))),
    );
  // node:http with kept-alive sockets, not fetch: fetch cost the simulator more CPU per call than the
  // app spent answering it, so on these 2 cores the latencies measured the simulator's own queue.
  const { hostname, port } = new URL(app.url);
  const keepAlive = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 10_000 });
  const post = (token: string, path: string, body: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request(
        {
          agent: keepAlive,
          hostname,
          port,
          method: "POST",
          path: `/api/agent/v2/${path}`,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            });
          });
        },
      );
      req.on("error", reject);
      req.setTimeout(60_000, () => req.destroy(new Error("no answer in 60 s")));
      req.end(payload);
    });
  /** One job's logs/stream, as the agent keeps it: a chunk is answered when its ack line comes back. */
  const logStream = (token: string, jobId: string) => {
    const waiting: ((a: Answer) => void)[] = [];
    let failed: Error | undefined;
    const fail = (err: Error) => {
      failed ??= err;
      for (const w of waiting.splice(0)) w({ ok: false, status: 0, text: async () => "", json: async () => null });
    };
    const req = request({
      agent: keepAlive,
      hostname,
      port,
      method: "POST",
      path: `/api/agent/v2/jobs/${jobId}/logs/stream`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
    });
    req.on("error", fail);
    req.on("close", () => fail(new Error("log stream closed")));
    req.on("response", (res) => {
      res.setEncoding("utf8");
      const lines = ndjsonLines((line) => {
        const ok = res.statusCode === 200 && !line.startsWith('{"error"');
        const status = ok ? 200 : (JSON.parse(line) as { error: { status: number } }).error.status;
        waiting.shift()?.({ ok, status, text: async () => line, json: async () => JSON.parse(line) as unknown });
      });
      res.on("data", (t: string) => lines.push(t));
      res.on("end", () => fail(new Error("log stream ended")));
    });
    req.flushHeaders();
    return {
      send: (chunk: unknown) =>
        new Promise<Answer>((resolve) => {
          if (failed) return resolve({ ok: false, status: 0, text: async () => "", json: async () => null });
          // An ack that never comes (the app could not take the connection) is a failed call, not a hang.
          const timer = setTimeout(() => fail(new Error("no ack in 30 s")), 30_000);
          waiting.push((a) => (clearTimeout(timer), resolve(a)));
          req.write(`${JSON.stringify(chunk)}\n`);
        }),
      end: () => req.end(),
      failed: () => failed !== undefined,
      openedAt: Date.now(),
    };
  };
  for (let i = 0; i < nodes.length; i += 200)
    await Promise.all(nodes.slice(i, i + 200).map((n) => post(n.token, "heartbeat", {}).then((r) => r.text())));
  const buyer = await buyerClient(app.url);
  for (let i = 0; i < nodes.length; i += 25)
    await Promise.all(
      nodes.slice(i, i + 25).map((n) =>
        buyer.jobs.submit.mutate({
          nodeId: n.nodeId,
          jobType: "shell",
          script: "sleep 3600",
          maxDurationSeconds: 3600,
        }),
      ),
    );
  const jobs: string[] = [];
  for (let i = 0; i < nodes.length; i += 100) {
    const got = await Promise.all(
      nodes.slice(i, i + 100).map(async (n) => {
        const r = (await (await post(n.token, "claim", { waitSeconds: 0 })).json()) as { job: { id: string } | null };
        return r.job?.id ?? "";
      }),
    );
    jobs.push(...got);
  }
  if (jobs.some((j) => !j)) throw new Error("not every simulated agent got its job");
  console.log(`  ${AGENTS} nodes registered, each running one job; measuring…`);

  const lat = { heartbeat: [] as number[], logs: [] as number[], claimOverrun: [] as number[] };
  const failures = { heartbeat: 0, logs: 0, claim: 0 };
  const statuses = new Map<number, number>();
  const metricsBefore = await scrapeMetrics(app.url); // also restarts the app's lag histogram
  const rssStart = await app.rssMiB();
  // RSS once a minute: the target is flat over a 10-minute run, not just equal ends.
  const rssByMinute: number[] = [];
  const rssTimer = setInterval(() => void app.rssMiB().then((mib) => rssByMinute.push(mib)), 60_000);
  const cpuStart = await cpuSeconds(app.pid);
  // The simulator's own load: its latencies include its own queue, so a stall there shows as an app p99.
  const simulatorLag = monitorEventLoopDelay({ resolution: 10 });
  simulatorLag.enable();
  const simulatorCpuStart = process.cpuUsage();
  const machineStart = await machineBusy();
  const until = Date.now() + SECONDS * 1000;
  const timed = async (kind: "heartbeat" | "logs", req: () => Promise<Answer>) => {
    const t0 = performance.now();
    try {
      const res = await req();
      if (!res.ok) {
        failures[kind]++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    } catch {
      failures[kind]++;
    }
    lat[kind].push(performance.now() - t0);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const loops = nodes.flatMap((n, i) => {
    const heartbeat = async () => {
      await sleep(Math.random() * HEARTBEAT_MS);
      while (Date.now() < until) {
        await timed("heartbeat", () => post(n.token, "heartbeat", { gpuUtilization: 50 }));
        await sleep(HEARTBEAT_MS);
      }
    };
    const logs = async () => {
      await sleep(Math.random() * LOG_MS);
      let seq = 0;
      const open = () => (LOGS_OVER === "stream" ? logStream(n.token, jobs[i]!) : undefined);
      let stream = open();
      while (Date.now() < until) {
        const started = Date.now();
        const chunk = { seq: seq++, stream: "stdout", data: `line ${seq}\n` };
        // As the agent does: a stream that failed is opened again for the next chunk, and one
        // LOG_STREAM_MAX_SECONDS old is ended and replaced (Node cuts a request at 300 s).
        if (stream && (stream.failed() || Date.now() - stream.openedAt > LOG_STREAM_MAX_SECONDS * 1000)) {
          if (!stream.failed()) stream.end();
          stream = open();
        }
        await timed("logs", () => (stream ? stream.send(chunk) : post(n.token, `jobs/${jobs[i]}/logs`, chunk)));
        await sleep(Math.max(0, LOG_MS - (Date.now() - started)));
      }
      stream?.end();
    };
    const claims = async () => {
      // Agents start at different times: their long-polls end spread over the wait, not all at once.
      await sleep(Math.random() * CLAIM_WAIT_SECONDS * 1000);
      while (Date.now() < until) {
        const wait = Math.min(CLAIM_WAIT_SECONDS, Math.max(1, Math.ceil((until - Date.now()) / 1000)));
        const t0 = performance.now();
        try {
          const res = await post(n.token, "claim", { waitSeconds: wait, jobTypes: ["python"] });
          if (!res.ok) {
            failures.claim++;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            await sleep(1000);
          }
        } catch {
          failures.claim++;
          await sleep(1000);
        }
        // How much longer than the wait asked for a claim took to come back.
        lat.claimOverrun.push(Math.max(0, performance.now() - t0 - wait * 1000));
      }
    };
    return [heartbeat(), logs(), claims()];
  });
  await Promise.all(loops);
  clearInterval(rssTimer);
  const rssEnd = await app.rssMiB();
  const cpuEnd = await cpuSeconds(app.pid);
  const cpu = cpuEnd.total - cpuStart.total;
  simulatorLag.disable();
  const simulatorCpu = process.cpuUsage(simulatorCpuStart);
  const machineEnd = await machineBusy();
  const kernelShare = (cpuEnd.system - cpuStart.system) / cpu;
  const metricsAfter = await scrapeMetrics(app.url);
  const lag = metricValue(metricsAfter, "nodejs_eventloop_lag_p99_seconds") * 1000;
  const lagMax = metricValue(metricsAfter, "nodejs_eventloop_lag_max_seconds") * 1000;
  for (const kind of ["heartbeat", "logs"] as const) {
    const p = percentiles(lat[kind]);
    console.log(
      `  ${kind.padEnd(10)} p50 ${p.p50.toFixed(1)} ms   p95 ${p.p95.toFixed(1)} ms   p99 ${p.p99.toFixed(1)} ms   ${p.n} calls, ${failures[kind]} failed   (target p95 < 20 ms)`,
    );
  }
  const c = percentiles(lat.claimOverrun);
  console.log(
    `  claim      ${c.n} long-polls answered, p95 ${c.p95.toFixed(1)} ms past their wait, ${failures.claim} failed`,
  );
  const calls = lat.heartbeat.length + lat.logs.length + c.n;
  console.log(
    `  app CPU ${cpu.toFixed(1)} s over ${SECONDS} s (${((100 * cpu) / SECONDS).toFixed(0)}% of a core): ${((1000 * cpu) / calls).toFixed(2)} ms per call, ${(100 * kernelShare).toFixed(0)}% of it in the kernel`,
  );
  if (statuses.size) console.log(`  non-2xx: ${JSON.stringify(Object.fromEntries(statuses))}`);
  if (failures.heartbeat + failures.logs + failures.claim > 0)
    console.log(`  the app's last log lines:\n${app.log().split("\n").slice(-8).join("\n")}`);
  console.log(
    `  app event-loop lag p99 ${lag.toFixed(1)} ms (target < 20 ms), max ${lagMax.toFixed(0)} ms; GC ${gcBetween(metricsBefore, metricsAfter)}; RSS ${rssStart.toFixed(0)} → ${rssEnd.toFixed(0)} MiB`,
  );
  console.log(
    `  in the app: ${["agent.v1.heartbeat", "agent.v1.logs.stream", "agent.v1.logs"]
      .map((procedure) => serverSide(metricsBefore, metricsAfter, procedure))
      .join("; ")}`,
  );
  console.log(
    `  simulator: ${((simulatorCpu.user + simulatorCpu.system) / 1e4 / SECONDS).toFixed(0)}% of a core, its own event-loop lag p99 ${(simulatorLag.percentile(99) / 1e6).toFixed(1)} ms; the machine ${((100 * (machineEnd.busy - machineStart.busy)) / (machineEnd.total - machineStart.total)).toFixed(0)}% busy`,
  );
  if (rssByMinute.length > 1) console.log(`  RSS each minute: ${rssByMinute.map((m) => m.toFixed(0)).join(", ")} MiB`);
}
