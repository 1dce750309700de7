import { getDeps } from "./deps";
import { flushHeartbeats } from "./services/nodes/heartbeat";
import { startWatchdog } from "./services/jobs/watchdog";

/**
 * Process start-up: open the database (the embedded one migrates itself) and
 * start the background loops. Failing configuration stops the process here
 * with a message naming the variable.
 */
export async function boot(): Promise<void> {
  let deps;
  try {
    deps = await getDeps();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  deps.log.info({ db: deps.db.kind, redis: deps.redis.kind, chain: deps.env.CHAIN }, "ComputeSwarm marketplace started");
  const flusher = setInterval(() => {
    flushHeartbeats(deps).catch((err) => deps.log.error({ err }, "heartbeat flush failed"));
  }, deps.env.HEARTBEAT_FLUSH_INTERVAL_MS);
  flusher.unref();
  const stopWatchdog = startWatchdog(deps);
  const shutdown = async () => {
    clearInterval(flusher);
    stopWatchdog();
    await flushHeartbeats(deps).catch(() => {});
    await deps.db.close().catch(() => {});
  };
  process.once("SIGTERM", () => void shutdown().finally(() => process.exit(0)));
}
