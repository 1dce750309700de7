/**
 * Scale-out (#14): a second instance on the same PostgreSQL and Redis; the
 * heartbeat load is split between the two and their throughput is added up,
 * beside one instance alone in the same run. Needs DATABASE_URL.
 */
import { startBenchApp, type BenchApp } from "./app";
import { BENCH_SECONDS, heartbeatScenario } from "./heartbeat";
import { runScenario } from "./report";

export async function benchScaleOut(app: BenchApp, tokens: string[]) {
  if (!process.env.DATABASE_URL) {
    console.log("\nTwo instances: skipped (needs DATABASE_URL: the embedded database is one process's own)");
    return;
  }
  console.log(`\nTwo instances, one database (heartbeats, ${BENCH_SECONDS} s)`);
  const second = await startBenchApp({}, { shareDatabaseOf: app });
  try {
    await runScenario(second.url, { ...heartbeatScenario(tokens, 10, "warm-up", 2), quiet: true });
    const one = await runScenario(app.url, heartbeatScenario(tokens, 50, "one instance, 50 conn"));
    const [a, b] = await Promise.all([
      runScenario(app.url, heartbeatScenario(tokens, 25, "instance A, 25 conn")),
      runScenario(second.url, heartbeatScenario(tokens.slice().reverse(), 25, "instance B, 25 conn")),
    ]);
    console.log(
      `two instances together: ${(a.rps + b.rps).toFixed(0)} req/s vs one alone ${one.rps.toFixed(0)} req/s (${((a.rps + b.rps) / one.rps).toFixed(2)}×; the load generator shares the same CPUs)`,
    );
  } finally {
    await second.stop();
  }
}
