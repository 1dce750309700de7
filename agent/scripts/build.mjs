// Bundles the agent into one ESM file that a bare `node` (>= 20) runs with no
// node_modules next to it: GPU machines often get only a node binary and this file.
// Usage: node scripts/build.mjs [outfile]   (default dist/cli.js)
import { chmodSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outfile = path.resolve(process.argv[2] ?? path.join(root, "dist/cli.js"));

await build({
  entryPoints: [path.join(root, "src/cli.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: process.env.MINIFY === "1",
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS dependencies call require(); give ESM a real one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __csCreateRequire } from 'node:module'; const require = __csCreateRequire(import.meta.url);",
  },
});
chmodSync(outfile, 0o755);
console.log(`built ${path.relative(process.cwd(), outfile) || outfile}`);
