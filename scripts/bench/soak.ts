/**
 * Soak: the production build and three real agents (the CLI, process executor)
 * under a steady stream of jobs for SOAK_SECONDS (default 1800 = 30 min),
 * sampling the RSS and V8 heap of every process, then printing each one's
 * slope (least squares, MiB per hour) so a leak shows as a number. Not CI.
 *   SOAK_SECONDS=180 npm run bench -- soak
 * Env: SOAK_SECONDS, SOAK_SAMPLE_SECONDS (10), SOAK_JOBS_PER_SECOND (2).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startBenchApp } from "./app";
import { buyerClient } from "./jobs";
import { ensureAgentBuilt, registerAgent, type AgentProcess } from "../../src/test/agent-cli";

const seconds = Number(process.env.SOAK_SECONDS ?? 1800);
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10);
const jobsPerSecond = Number(process.env.SOAK_JOBS_PER_SECOND ?? 2);
const AGENTS = 3;
const sampler = pathToFileURL(path.resolve("scripts/bench/memory-sampler.mjs")).href;

interface Sample {
  t: number;
  rssMiB: number;
  heapMiB: number;
}

/** Least-squares slope of y over t (t in seconds), in units per hour. */
export function slopePerHour(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 3600;
}

async function readMemory(dir: string, pid: number | undefined) {
  if (!pid) return undefined;
  try {
    const m = JSON.parse(await readFile(path.join(dir, `${pid}.json`), "utf8")) as { rss: number; heapUsed: number };
    return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
  } catch {
    return undefined;
  }
}

async function main() {
  ensureAgentBuilt();
  const memoryDir = await mkdtemp(path.join(tmpdir(), "cs-soak-mem-"));
  const work = await mkdtemp(path.join(tmpdir(), "cs-soak-"));
  const app = await startBenchApp({
    NODE_OPTIONS: `--import ${sampler}`,
    CS_MEMORY_DIR: memoryDir,
    DEMO_AGENT: "false",
  });
  const agents: AgentProcess[] = [];
  let stopping = false;
  try {
    console.log(
      `Soak for ${seconds} s on ${process.env.DATABASE_URL ? "PostgreSQL + Redis" : "embedded defaults"}: ` +
        `app pid ${app.pid}, ${AGENTS} agents, ${jobsPerSecond} jobs/s, a sample every ${sampleSeconds} s`,
    );
    for (let i = 0; i < AGENTS; i++) {
      const agent = await registerAgent(work, `agent${i}`, app.url, {
        price: "0",
        heartbeatSeconds: 5,
        nodeArgs: ["--import", sampler],
        env: { CS_MEMORY_DIR: memoryDir, COMPUTESWARM_LOG_LEVEL: "warn" },
      });
      agent.start();
      agents.push(agent);
    }
    const buyer = await buyerClient(app.url);
    await new Promise((r) => setTimeout(r, 3000)); // first heartbeats

    const submitted: string[] = [];
    const refused: string[] = [];
    let i = 0;
    const feeder = (async () => {
      while (!stopping) {
        const agent = agents[i % AGENTS]!;
        const n = i++;
        buyer.jobs.submit
          .mutate({ nodeId: agent.nodeId, jobType: "python", script: `print(${n})`, maxDurationSeconds: 60 })
          .then(
            (j) => submitted.push(j.id),
            (err: Error) => refused.push(err.message),
          );
        await new Promise((r) => setTimeout(r, 1000 / jobsPerSecond));
      }
    })();

    const series = new Map<string, Sample[]>();
    const started = Date.now();
    const end = started + seconds * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(sampleSeconds * 1000, Math.max(0, end - Date.now()))));
      const t = (Date.now() - started) / 1000;
      const procs: [string, number | undefined][] = [
        ["app", app.pid],
        ...agents.map((a, k): [string, number | undefined] => [`agent${k}`, a.pid()]),
      ];
      const line: string[] = [];
      for (const [name, pid] of procs) {
        const m = await readMemory(memoryDir, pid);
        if (!m) continue;
        (series.get(name) ?? series.set(name, []).get(name)!).push({ t, ...m });
        line.push(`${name} ${m.rssMiB.toFixed(0)}/${m.heapMiB.toFixed(0)}`);
      }
      console.log(`t=${t.toFixed(0).padStart(5)} s  jobs ${submitted.length}  RSS/heap MiB: ${line.join("  ")}`);
    }
    stopping = true;
    await feeder;

    // Let the last jobs finish, then count what happened to every job submitted.
    await new Promise((r) => setTimeout(r, 5000));
    const counts: Record<string, number> = {};
    for (let k = 0; k < submitted.length; k += 100) {
      const jobs = await Promise.all(submitted.slice(k, k + 100).map((id) => buyer.jobs.get.query({ id })));
      for (const j of jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
    }
    console.log(
      `\njobs: ${submitted.length} submitted, ${refused.length} refused; by status ${JSON.stringify(counts)}`,
    );
    if (refused.length) console.log(`first refusal: ${refused[0]}`);

    // The first minute is warm-up (JIT, caches, pools filling): the slope is taken after it when there is time.
    const warmup = seconds >= 600 ? 60 : Math.min(30, seconds / 4);
    console.log(`\nmemory slope after ${warmup} s of warm-up (least squares):`);
    console.log("process   RSS start→end MiB   RSS MiB/h   heap start→end MiB   heap MiB/h");
    for (const [name, samples] of series) {
      const steady = samples.filter((s) => s.t >= warmup);
      const use = steady.length >= 2 ? steady : samples;
      const first = use[0]!;
      const last = use.at(-1)!;
      const rss = slopePerHour(use.map((s) => ({ t: s.t, y: s.rssMiB })));
      const heap = slopePerHour(use.map((s) => ({ t: s.t, y: s.heapMiB })));
      console.log(
        `${name.padEnd(9)} ${`${first.rssMiB.toFixed(0)}→${last.rssMiB.toFixed(0)}`.padStart(17)}   ${rss.toFixed(1).padStart(9)}   ${`${first.heapMiB.toFixed(0)}→${last.heapMiB.toFixed(0)}`.padStart(18)}   ${heap.toFixed(1).padStart(10)}`,
      );
    }
  } catch (err) {
    console.error(`app log:\n${app.log().slice(-4000)}`);
    for (const a of agents) console.error(`agent log:\n${a.log().slice(-2000)}`);
    throw err;
  } finally {
    stopping = true;
    await Promise.all(agents.map((a) => a.kill("SIGTERM")));
    await app.stop();
    await rm(work, { recursive: true, force: true });
    await rm(memoryDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
