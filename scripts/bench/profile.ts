/**
 * A CPU profile of a hot path (#14): the app runs with --cpu-prof under load —
 * `heartbeat` (50 connections over 200 nodes) or `discovery` (uncached
 * nodes.list, 10 connections over 1,000 nodes) — then the top frames by self
 * time are printed.
 * `profile-agents`: the same under the simulated agents (agents.ts; BENCH_AGENTS,
 * BENCH_AGENTS_SECONDS). The .cpuprofile is left in bench-results/ (open it in
 * Chrome DevTools or speedscope).
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { startBenchApp, type BenchApp } from "./app";
import { BENCH_SECONDS, heartbeatScenario } from "./heartbeat";
import { discoveryScenario, registerNodes } from "./registry";
import { runScenario } from "./report";
import { benchAgents, AGENTS_SECONDS } from "./agents";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export async function profileHeartbeat() {
  await profile(BENCH_SECONDS, async (app) => {
    const { tokens } = await registerNodes(app.url, 200);
    await runScenario(app.url, heartbeatScenario(tokens, 50, "heartbeat under --cpu-prof"));
  });
}

export async function profileDiscovery() {
  await profile(BENCH_SECONDS, async (app) => {
    await registerNodes(app.url, 1000);
    await runScenario(app.url, discoveryScenario("uncached discovery under --cpu-prof", true, 10, BENCH_SECONDS));
  });
}

export async function profileAgents() {
  await profile(AGENTS_SECONDS, (app) => benchAgents(app));
}

/** Runs `load` against an app under --cpu-prof; prints the top frames of the last `seconds` (the measured phase). */
async function profile(seconds: number, load: (app: BenchApp) => Promise<void>) {
  const dir = path.resolve("bench-results", `cpuprof-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const app = await startBenchApp({}, { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
  try {
    await load(app);
  } finally {
    await app.stop();
  }
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const prof = JSON.parse(await readFile(path.join(dir, file), "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  // Only the measured phase: the last `seconds` of the profile (start-up and registrations left out).
  const from = prof.endTime - (seconds + 1) * 1e6;
  let at = prof.startTime;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = prof.timeDeltas[i] ?? 0;
    at += dt;
    if (at < from) return;
    total += dt;
    const f = n.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(dist|src)\//, "$1/")}:${f.lineNumber + 1}`
      : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  console.log(`\nTop frames by self time (${(total / 1e6).toFixed(1)} s sampled; ${path.join(dir, file)})`);
  for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
}
