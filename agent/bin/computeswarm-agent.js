#!/usr/bin/env node
// `npx computeswarm-agent …` in a checkout: npm links this file (the workspace's
// bin) at install time, before dist/cli.js exists. It bundles the agent when
// the bundle is missing or older than its sources, then runs it. Sellers'
// machines get dist/cli.js itself, from GET /agent/computeswarm-agent.js.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, "dist", "cli.js");
const buildScript = path.join(root, "scripts", "build.mjs");

function newestMtime(entry) {
  const st = statSync(entry);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

const sources = [path.join(root, "src"), buildScript, path.join(root, "package.json")];
if (!existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...sources.map(newestMtime))) {
  // The build's own message goes to stderr: stdout stays the command's (status prints JSON).
  const built = spawnSync(process.execPath, [buildScript, bundle], { stdio: ["ignore", 2, "inherit"] });
  if (built.status !== 0) {
    process.stderr.write("computeswarm-agent: could not build agent/dist/cli.js (run npm ci in the checkout)\n");
    process.exit(1);
  }
}
await import(pathToFileURL(bundle).href);
