import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import Redis from "ioredis";

/**
 * Starts the production build (`node server.mjs`) on a free port: on a fresh
 * database of its own when DATABASE_URL is set (dropped afterwards), else on
 * the embedded defaults in a temp dir. Rate limits are off: we measure the work.
 */
export interface BenchApp {
  url: string;
  pid: number;
  /** DATABASE_URL / REDIS_KEY_PREFIX this app runs on: a second instance can share them. */
  env: NodeJS.ProcessEnv;
  log(): string;
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

export const BENCH_METRICS_TOKEN = "bench-metrics-token-0123456789";

/** Ports 3300–3399 (this machine's convention for things we start); the reference server takes 3399. */
let nextPort = Number(process.env.BENCH_PORT_BASE ?? 3300) + Math.floor(Math.random() * 80);

export async function startBenchApp(
  extraEnv: Record<string, string> = {},
  opts: { shareDatabaseOf?: BenchApp; nodeArgs?: string[] } = {},
): Promise<BenchApp> {
  const port = nextPort++;
  const dataDir = await mkdtemp(path.join(tmpdir(), "cs-bench-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    RATE_LIMIT_ENABLED: "false",
    // The bench reads the app's own metrics (event-loop lag); production serves them only with a token.
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...extraEnv,
  };
  let dropDb: (() => Promise<void>) | undefined;
  if (opts.shareDatabaseOf) {
    // A second instance on the same PostgreSQL and Redis (scale-out): the first one drops them.
    env.DATABASE_URL = opts.shareDatabaseOf.env.DATABASE_URL;
    env.REDIS_KEY_PREFIX = opts.shareDatabaseOf.env.REDIS_KEY_PREFIX;
  } else if (process.env.DATABASE_URL) {
    const name = `cs_bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    env.REDIS_KEY_PREFIX = `${name}:`;
    await run("npm", ["run", "--silent", "db:migrate"], env);
    dropDb = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      if (process.env.REDIS_URL) await deleteRedisKeys(process.env.REDIS_URL, `${name}:`);
    };
  }
  // BENCH_APP_NODE_ARGS: node flags for the app only (e.g. a V8 heap setting), not for the simulator.
  const envArgs = process.env.BENCH_APP_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn("node", [...envArgs, ...(opts.nodeArgs ?? []), "server.mjs"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, () => log);
  return {
    url,
    pid: child.pid!,
    env,
    log: () => log,
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {}
      await new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", () => r());
        setTimeout(r, 5000);
      });
      await dropDb?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The bench's Redis keys (its own prefix), so runs leave nothing behind on a shared server. */
export async function deleteRedisKeys(url: string, prefix: string) {
  const redis = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`the app exited:\n${log()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the app did not become healthy:\n${log()}`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<void>((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: "inherit" });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}
