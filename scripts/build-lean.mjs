#!/usr/bin/env node
// Bundles the lean HTTP layer (src/server/http/lean/server-entry.ts) into
// dist/lean-server.mjs for server.mjs, which is plain Node ESM. Our sources
// are bundled (`@/…` through tsconfig paths, and our workspace packages such as
// `@computeswarm/protocol`, which export TypeScript sources plain Node cannot
// load); npm packages stay external so Next's server and this bundle share them.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Bundles our own workspace packages even though `packages: "external"` leaves every other one out. */
const bundleWorkspacePackages = {
  name: "bundle-workspace-packages",
  setup(b) {
    b.onResolve({ filter: /^@computeswarm\// }, (args) => ({ path: fileURLToPath(import.meta.resolve(args.path)) }));
  },
};

/** `server-only` throws unless resolved with Next's react-server condition: on our server it is empty. */
const serverOnlyIsEmpty = {
  name: "server-only-is-empty",
  setup(b) {
    b.onResolve({ filter: /^server-only$/ }, () => ({ path: "server-only", namespace: "empty" }));
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "" }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ["src/server/http/lean/server-entry.ts"],
  outfile: "dist/lean-server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  tsconfig: "tsconfig.json",
  plugins: [bundleWorkspacePackages, serverOnlyIsEmpty],
});
