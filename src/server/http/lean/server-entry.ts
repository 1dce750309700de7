/**
 * What server.mjs (plain Node ESM, `npm start`) loads from the TypeScript
 * sources: bundled by scripts/build-lean.mjs into dist/lean-server.mjs as part
 * of `npm run build`. npm packages stay external, so this bundle and Next's
 * server share their one copy of each (Prisma's runtime, ioredis, prom-client),
 * and both reach the one process-wide Deps through the globalThis holder in
 * deps.ts.
 */
export { createLeanHandler, headerObject } from "./handler";
export { boot } from "../../boot";
