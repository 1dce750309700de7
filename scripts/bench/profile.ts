/**
 * A CPU profile of a hot path (#14): the app runs with --cpu-prof under load —
 * `heartbeat` (50 connections over 200 nodes) or `discovery` (uncached
 * nodes.list, 10 connections over 1,000 nodes) — then the top frames by self
 * time are printed.
 * The .cpuprofile is left in bench-results/ (open it in Chrome DevTools or speedscope).
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { startBenchApp } from "./app";
import { BENCH_SECONDS, heartbeatScenario } from "./heartbeat";
import { discoveryScenario, registerNodes } from "./registry";
import { runScenario } from "./report";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export async function profileHotPath(hotPath: "heartbeat" | "discovery") {
  const dir = path.resolve("bench-results", `cpuprof-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const app = await startBenchApp({}, { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
  try {
    if (hotPath === "heartbeat") {
      const { tokens } = await registerNodes(app.url, 200);
      await runScenario(app.url, heartbeatScenario(tokens, 50, "heartbeat under --cpu-prof"));
    } else {
      await registerNodes(app.url, 1000);
      await runScenario(app.url, discoveryScenario("uncached discovery under --cpu-prof", true, 10, BENCH_SECONDS));
    }
  } finally {
    await app.stop();
  }
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(await readFile(path.join(dir, file), "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  // Only the measured phase: the last BENCH_SECONDS of the profile (start-up and registrations left out).
  const from = profile.endTime - (BENCH_SECONDS + 1) * 1e6;
  let at = profile.startTime;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
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
