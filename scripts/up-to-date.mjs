#!/usr/bin/env node
// Installs or builds only when needed, so `npm test` works on a fresh clone and
// a second `npm run demo` starts in seconds. Plain Node: it runs before any
// dependency is installed.
//
//   node scripts/up-to-date.mjs install         npm ci unless node_modules matches the lockfile
//   node scripts/up-to-date.mjs record-install  (postinstall) remember that it does
//   node scripts/up-to-date.mjs build           npm run build unless the sources are unchanged since the last build
//   node scripts/up-to-date.mjs record-build    (postbuild) remember what was built
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (...p) => path.join(root, ...p);

const INSTALL_INPUTS = ["package.json", "package-lock.json", "packages/protocol/package.json", "agent/package.json"];
const INSTALL_STAMP = at("node_modules", ".computeswarm-install");

// What `npm run build` reads: the app and agent sources, schema, configs. Tests are not built.
const BUILD_DIRS = [
  "src",
  "packages/protocol/src",
  "agent/src",
  "agent/scripts",
  "prisma",
  "public",
  "scripts/build-lean.mjs",
];
const BUILD_FILES = [
  ...INSTALL_INPUTS,
  "next.config.mjs",
  "postcss.config.mjs",
  "tsconfig.json",
  "packages/protocol/tsconfig.json",
  "agent/tsconfig.json",
  "server.mjs",
];
const BUILD_SKIP = new Set([at("src", "generated")]);
const BUILD_STAMP = at(".next", ".computeswarm-build");
const BUILD_OUTPUTS = [at(".next", "BUILD_ID"), at("agent", "dist", "cli.js"), at("dist", "lean-server.mjs")];

function filesUnder(dir) {
  if (BUILD_SKIP.has(dir) || !existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => filesUnder(path.join(dir, name)))
    .filter((f) => !/\.test\.tsx?$/.test(f));
}

function hashOf(files, extra = "") {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(path.relative(root, f)).update("\0");
    if (existsSync(f)) h.update(readFileSync(f));
    h.update("\0");
  }
  return h.update(extra).digest("hex");
}

const installHash = () => hashOf(INSTALL_INPUTS.map((f) => at(f)));
// NEXT_PUBLIC_* values are baked into the browser bundle at build time.
const buildHash = () =>
  hashOf(
    [...BUILD_FILES.map((f) => at(f)), ...BUILD_DIRS.flatMap((d) => filesUnder(at(d)))],
    JSON.stringify(
      Object.entries(process.env)
        .filter(([k]) => k.startsWith("NEXT_PUBLIC_"))
        .sort(),
    ),
  );

const readStamp = (file) => (existsSync(file) ? readFileSync(file, "utf8").trim() : "");
function writeStamp(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${value}\n`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const step = process.argv[2];
if (step === "record-install") {
  writeStamp(INSTALL_STAMP, installHash());
} else if (step === "install") {
  if (readStamp(INSTALL_STAMP) === installHash()) process.exit(0);
  console.log("up-to-date: node_modules is missing or older than package-lock.json; running npm ci");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeStamp(INSTALL_STAMP, installHash());
} else if (step === "build") {
  const hash = buildHash();
  if (readStamp(BUILD_STAMP) === hash && BUILD_OUTPUTS.every((f) => existsSync(f))) {
    console.log("up-to-date: the build matches the sources; skipping npm run build");
    process.exit(0);
  }
  run("npm", ["run", "build"]); // its postbuild records the stamp
} else if (step === "record-build") {
  writeStamp(BUILD_STAMP, buildHash());
} else {
  console.error("usage: node scripts/up-to-date.mjs install | record-install | build | record-build");
  process.exit(2);
}
