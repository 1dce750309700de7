import "server-only";
import { getDeps } from "./deps";
import { flushHeartbeats } from "./services/nodes/heartbeat";
import { startWatchdog } from "./services/jobs/watchdog";
import { startSettlementWorker } from "./services/payments/settlement-worker";
import { getChain, stopEmbeddedChain } from "./payments/chain-service";
import { isEmbeddedChain, loadLocalDev } from "./dev/load";

/**
 * Process start-up: open the database (the embedded one migrates itself) and
 * start the background loops. Failing configuration stops the process here
 * with a message naming the variable.
 */
const booted = globalThis as unknown as { __csBooted?: boolean };

/**
 * Once per process, whoever asks first: server.mjs (before Next prepares) or
 * Next's instrumentation hook (`next dev`, the standalone server). Both load
 * their own copy of this module, hence the flag on globalThis.
 */
export async function boot(): Promise<void> {
  if (booted.__csBooted) return;
  booted.__csBooted = true;
  let deps;
  try {
    deps = await getDeps();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  deps.log.info(
    { db: deps.db.kind, redis: deps.redis.kind, chain: deps.env.CHAIN },
    "ComputeSwarm marketplace started",
  );
  const flusher = setInterval(() => {
    flushHeartbeats(deps).catch((err) => deps.log.error({ err }, "heartbeat flush failed"));
  }, deps.env.HEARTBEAT_FLUSH_INTERVAL_MS);
  flusher.unref();
  const stopWatchdog = startWatchdog(deps);
  // The chain starts now (the embedded default launches anvil), not on the first payment.
  getChain(deps).then(
    (c) =>
      deps.log.info(
        { network: c.network.caip2, rpc: c.embedded ? c.rpcUrl : undefined, facilitator: c.facilitator.kind },
        "payment chain ready",
      ),
    (err) => deps.log.error({ err }, "payment chain unavailable; payments will fail until it is reachable"),
  );
  const stopSettlement = startSettlementWorker(deps);
  // The embedded default's demo node; it retries until this server answers.
  const demoAgent = isEmbeddedChain(deps.env)
    ? loadLocalDev()
        .then((dev) => dev.startDemoAgent(deps))
        .catch((err) => {
          deps.log.error({ err }, "demo agent could not start");
          return undefined;
        })
    : undefined;
  const shutdown = async () => {
    clearInterval(flusher);
    stopWatchdog();
    (await demoAgent)?.();
    await stopSettlement().catch(() => {});
    await stopEmbeddedChain().catch(() => {});
    await flushHeartbeats(deps).catch(() => {});
    await deps.db.close().catch(() => {});
  };
  process.once("SIGTERM", () => void shutdown().finally(() => process.exit(0)));
}
