/**
 * What server.mjs (plain Node ESM, `npm start`) loads from the TypeScript
 * sources: bundled by scripts/build-lean.mjs into dist/lean-server.mjs as part
 * of `npm run build`. npm packages stay external, so this bundle and Next's
 * server share their one copy of each (Prisma's runtime, ioredis, prom-client),
 * and both reach the one process-wide Deps through the globalThis holder in
 * deps.ts.
 */
import { getDeps } from "../../deps";
import { flushJobLogs } from "../../services/jobs/log-buffer";

export { createLeanHandler, headerObject } from "./handler";
export { boot } from "../../boot";

/** Before the process exits (SIGTERM): stores the live log chunks still waiting in this instance. */
export async function drain(): Promise<void> {
  await flushJobLogs(await getDeps());
}
