/**
 * npm run bench — starts the production build (run `npm run build` first) and
 * prints latency percentiles and throughput on loopback, each beside a
 * reference measured in the same run where one exists. Set DATABASE_URL and
 * REDIS_URL to measure on real PostgreSQL and Redis (a fresh database is made
 * and dropped); otherwise the embedded defaults are measured.
 *   npm run bench [-- heartbeat|registry|jobs|agents|scale|profile|profile-agents]   (default: all but the profiles; cases may be joined: jobs,agents)
 *   npm run bench -- profile [heartbeat|discovery]   (a CPU profile of that path, top frames printed)
 *   BENCH_SECONDS=10 per case; BENCH_AGENTS / BENCH_AGENTS_SECONDS for `agents` (scripts/bench/agents.ts)
 *   BENCH_APP_NODE_ARGS="--max-semi-space-size=32": node flags for the app only
 *   SOAK_SECONDS=1800 npm run bench -- soak    (memory of the app and 3 real agents, slopes printed)
 */
import { startBenchApp } from "./app";
import { benchRegistry, registerNodes } from "./registry";
import { benchHeartbeatVsReference } from "./heartbeat";

const which = process.argv[2] ?? "all";
const NODES = 1000;

async function main() {
  // The soak and the profile run alone, each with its own app.
  if (which === "soak") {
    await import("./soak");
    return;
  }
  if (which === "profile" || which === "profile-agents") {
    const { profileAgents, profileDiscovery, profileHeartbeat } = await import("./profile");
    if (which === "profile-agents") await profileAgents();
    else await (process.argv[3] === "discovery" ? profileDiscovery() : profileHeartbeat());
    return;
  }
  const app = await startBenchApp();
  console.log(
    `ComputeSwarm bench on ${process.env.DATABASE_URL ? "PostgreSQL + Redis" : "embedded defaults"}, app pid ${app.pid}`,
  );
  const wants = (name: string) => which === "all" || which.split(",").includes(name);
  try {
    const registered = await registerNodes(app.url, NODES);
    if (wants("heartbeat")) await benchHeartbeatVsReference(app, registered.tokens, registered.nodeIds);
    if (wants("registry")) await benchRegistry(app.url, NODES, registered);
    if (wants("scale")) {
      const { benchScaleOut } = await import("./scale");
      await benchScaleOut(app, registered.tokens);
    }
    if (wants("jobs")) {
      const { benchJobs } = await import("./jobs");
      await benchJobs(app.url);
    }
    if (wants("agents")) {
      const { benchAgents } = await import("./agents");
      await benchAgents(app);
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
