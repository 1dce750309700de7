#!/usr/bin/env node
// Bundles the lean HTTP layer (src/server/http/lean/server-entry.ts) into
// dist/lean-server.mjs for server.mjs, which is plain Node ESM. Our sources
// are bundled (tsconfig paths resolve `@/…`), the workspace package
// `@computeswarm/protocol` too (its exports point at TypeScript sources, which
// plain Node cannot load); npm packages stay external so Next's server and
// this bundle share them.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { dependencies } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const external = Object.keys(dependencies)
  .filter((name) => !name.startsWith("@computeswarm/"))
  .flatMap((name) => [name, `${name}/*`]);

await build({
  absWorkingDir: root,
  entryPoints: ["src/server/http/lean/server-entry.ts"],
  outfile: "dist/lean-server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external,
  sourcemap: true,
  logLevel: "warning",
  tsconfig: "tsconfig.json",
});
