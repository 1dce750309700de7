/**
 * npm run bench — starts the production build (run `npm run build` first) and
 * prints latency percentiles and throughput on loopback. Set DATABASE_URL and
 * REDIS_URL to measure on real PostgreSQL and Redis (a fresh database is made
 * and dropped); otherwise the embedded defaults are measured.
 *   npm run bench [-- registry|jobs]
 *   SOAK_SECONDS=1800 npm run bench -- soak    (memory of the app and 3 real agents, slopes printed)
 */
import { startBenchApp } from "./app";
import { benchRegistry } from "./registry";

const which = process.argv[2] ?? "all";

async function main() {
  // The soak runs alone: its own app, real agents, SOAK_SECONDS long (scripts/bench/soak.ts).
  if (which === "soak") {
    await import("./soak");
    return;
  }
  const app = await startBenchApp();
  console.log(
    `ComputeSwarm bench on ${process.env.DATABASE_URL ? "PostgreSQL + Redis" : "embedded defaults"}, app pid ${app.pid}`,
  );
  try {
    if (which === "all" || which === "registry") await benchRegistry(app.url);
    if (which === "all" || which === "jobs") {
      const { benchJobs } = await import("./jobs");
      await benchJobs(app.url);
    }
    console.log(`\napp RSS at the end: ${(await app.rssMiB()).toFixed(0)} MiB`);
  } catch (err) {
    console.error(`app log:\n${app.log().slice(-4000)}`);
    throw err;
  } finally {
    await app.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
