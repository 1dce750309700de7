/**
 * Heartbeat side by side (#14): ComputeSwarm's POST /api/agent/v2/heartbeat and
 * a bare node:http server doing the same token-hash lookup + SET heartbeat:{id}
 * EX 60 (reference-server.mjs), same machine, same Redis, same run, 50
 * connections each; prints both and the ratio.
 */
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BenchApp } from "./app";
import { percentiles, runScenario } from "./report";

export const BENCH_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REFERENCE_PORT = Number(process.env.BENCH_REFERENCE_PORT ?? 3399);

export async function startReference(app: BenchApp, tokens: string[], nodeIds: string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), "cs-ref-"));
  const file = path.join(dir, "tokens.json");
  const map = Object.fromEntries(tokens.map((t, i) => [createHash("sha256").update(t).digest("hex"), nodeIds[i]]));
  await writeFile(file, JSON.stringify(map));
  const child = fork("scripts/bench/reference-server.mjs", [String(REFERENCE_PORT), file], {
    env: { ...process.env, REDIS_KEY_PREFIX: `${app.env.REDIS_KEY_PREFIX ?? ""}ref:` },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`reference server exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${REFERENCE_PORT}`,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function heartbeatScenario(tokens: string[], connections: number, name: string, seconds = BENCH_SECONDS) {
  let n = 0;
  return {
    name,
    connections,
    durationSeconds: seconds,
    next: () => ({
      path: "/api/agent/v2/heartbeat",
      body: JSON.stringify({ gpuUtilization: n % 100 }),
      headers: { authorization: `Bearer ${tokens[n++ % tokens.length]}` },
    }),
  };
}

export async function benchHeartbeatVsReference(app: BenchApp, tokens: string[], nodeIds: string[]) {
  const connections = 50;
  console.log(`\nHeartbeat vs a bare node:http server (${connections} connections, ${BENCH_SECONDS} s each)`);
  const ref = await startReference(app, tokens, nodeIds);
  try {
    // Warm both (JIT, connection pools), then measure.
    await runScenario(app.url, { ...heartbeatScenario(tokens, connections, "warm-up ComputeSwarm", 2), quiet: true });
    await runScenario(ref.url, { ...heartbeatScenario(tokens, connections, "warm-up reference", 2), quiet: true });
    // Alternate short slices, so a neighbour's load on this shared machine falls on both sides alike.
    const rounds = 5;
    const slice = Math.max(1, Math.round(BENCH_SECONDS / rounds));
    const sides = { cs: { lat: [] as number[], n: 0, s: 0 }, bare: { lat: [] as number[], n: 0, s: 0 } };
    for (let r = 0; r < rounds; r++) {
      for (const [side, url] of [
        ["cs", app.url],
        ["bare", ref.url],
      ] as const) {
        const res = await runScenario(url, { ...heartbeatScenario(tokens, connections, side, slice), quiet: true });
        sides[side].lat.push(...res.latencies);
        sides[side].n += res.latencies.length;
        sides[side].s += res.seconds;
      }
    }
    const summary = (side: keyof typeof sides) => ({
      ...percentiles(sides[side].lat),
      rps: sides[side].n / sides[side].s,
    });
    const cs = summary("cs");
    const bare = summary("bare");
    for (const [name, p] of [
      ["ComputeSwarm heartbeat", cs],
      ["reference heartbeat", bare],
    ] as const) {
      console.log(
        `${name.padEnd(30)} p50 ${p.p50.toFixed(2).padStart(7)} ms   p95 ${p.p95.toFixed(2).padStart(7)} ms   p99 ${p.p99
          .toFixed(2)
          .padStart(
            7,
          )} ms   ${p.rps.toFixed(0).padStart(6)} req/s   ${p.n} requests${name.startsWith("Compute") ? "   (target p95 < 5 ms)" : ""}`,
      );
    }
    const ratio = cs.rps / bare.rps;
    console.log(
      `ratio ComputeSwarm / reference: ${ratio.toFixed(2)}× throughput (target ≥ 0.5×), p95 ${cs.p95.toFixed(2)} vs ${bare.p95.toFixed(2)} ms (${rounds} alternating ${slice} s slices each)`,
    );
    return { cs, bare, ratio };
  } finally {
    await ref.stop();
  }
}
