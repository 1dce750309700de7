/**
 * Runs anvil (from the `@foundry-rs/anvil` npm package) as a child process on a free
 * loopback port: chain id 31337, the standard test mnemonic and its ten funded accounts.
 *
 *   const anvil = await startAnvil();          // ~100 ms
 *   ... anvil.rpcUrl ...
 *   await anvil.stop();
 *
 * Every anvil started here is killed (by pid) when the parent process exits, including on
 * SIGINT/SIGTERM/SIGHUP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, copyFileSync, existsSync, readFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const ANVIL_CHAIN_ID = 31337;
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export interface StartAnvilOptions {
  /** Port to listen on; 0 or omitted picks a free one (anvil binds it and reports it). */
  port?: number;
  /** Host to bind; loopback by default. */
  host?: string;
  chainId?: number;
  mnemonic?: string;
  /** Number of funded dev accounts (default 10). */
  accounts?: number;
  /** Explicit path to the anvil binary; by default the one in node_modules. */
  binary?: string;
  /** Milliseconds to wait for anvil to answer JSON-RPC (default 15 s). */
  timeoutMs?: number;
  /**
   * Keep the chain (accounts, contracts, blocks, transactions and receipts) in this file:
   * loaded at start when it exists, written every second and on exit (anvil's `--state`).
   */
  stateFile?: string;
  /** Extra command line arguments, e.g. ["--block-time", "1"]. */
  extraArgs?: string[];
  /** Called with each line anvil prints (it is quiet otherwise: --silent is not used, output is captured). */
  onLog?: (line: string) => void;
}

export interface AnvilInstance {
  rpcUrl: string;
  host: string;
  port: number;
  pid: number;
  chainId: number;
  /** Kills anvil (SIGTERM, then SIGKILL after 2 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const PLATFORM_PACKAGES: Record<string, Record<string, string>> = {
  linux: { x64: "anvil-linux-amd64", arm64: "anvil-linux-arm64" },
  darwin: { x64: "anvil-darwin-amd64", arm64: "anvil-darwin-arm64" },
  win32: { x64: "anvil-win32-amd64" },
};

/** Path of the anvil binary shipped by `@foundry-rs/anvil`'s platform package. */
export function findAnvilBinary(): string {
  const pkg = PLATFORM_PACKAGES[process.platform]?.[process.arch];
  if (!pkg) throw new Error(`anvil: no @foundry-rs/anvil binary for ${process.platform}/${process.arch}`);
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  const candidates: string[] = [];
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve(`@foundry-rs/${pkg}/package.json`)), "bin", exe));
  } catch {
    // bundled server code may not resolve packages this way: fall back to the working directory
  }
  candidates.push(join(process.cwd(), "node_modules", "@foundry-rs", pkg, "bin", exe));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `anvil: binary not found or not executable (looked in ${candidates.join(", ")}); @foundry-rs/anvil is a dev dependency: install dev dependencies for the embedded default, or set RPC_URL`,
  );
}

// --- child registry: kill every anvil we started when this process goes away ---

const children = new Map<number, ChildProcess>();
/** Anvils that keep state: SIGTERM lets them write it once more before they exit. */
const stateful = new Set<number>();
let exitHooksInstalled = false;

function killAllChildren(): void {
  for (const [pid, child] of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, stateful.has(pid) ? "SIGTERM" : "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = (): void => {
      killAllChildren();
      // If ours is the only listener, Node would otherwise swallow the signal: restore the
      // default behaviour (terminate) by removing ourselves and re-raising it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_chainId",
        params: [],
      }),
      signal: AbortSignal.timeout(1000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { result?: string };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}

/**
 * anvil refuses to start on a state file it cannot parse (e.g. cut short by a power loss
 * mid-write). Start from the last state that loaded instead (`<file>.bak`, refreshed on
 * every good start), or from a fresh chain, keeping the bad file aside for inspection.
 */
function usableStateFile(file: string, warn: (msg: string) => void): void {
  const parses = (f: string) => {
    try {
      JSON.parse(readFileSync(f, "utf8"));
      return true;
    } catch {
      return false;
    }
  };
  if (!existsSync(file)) return;
  if (parses(file)) {
    copyFileSync(file, `${file}.bak`);
    return;
  }
  const aside = `${file}.unreadable-${Date.now()}`;
  renameSync(file, aside);
  if (existsSync(`${file}.bak`) && parses(`${file}.bak`)) {
    copyFileSync(`${file}.bak`, file);
    warn(`anvil: ${file} was unreadable (kept as ${aside}); starting from the previous good state`);
  } else {
    warn(`anvil: ${file} was unreadable (kept as ${aside}); starting a fresh chain`);
  }
}

export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const host = options.host ?? "127.0.0.1";
  const chainId = options.chainId ?? ANVIL_CHAIN_ID;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const binary = options.binary ?? findAnvilBinary();
  const args = [
    "--host",
    host,
    "--port",
    String(options.port ?? 0),
    "--chain-id",
    String(chainId),
    "--mnemonic",
    options.mnemonic ?? ANVIL_MNEMONIC,
    "--accounts",
    String(options.accounts ?? 10),
    ...(options.stateFile ? ["--state", options.stateFile, "--state-interval", "1"] : []),
    ...(options.extraArgs ?? []),
  ];
  if (options.stateFile) usableStateFile(options.stateFile, (msg) => console.warn(msg));

  installExitHooks();
  const child = spawn(/*turbopackIgnore: true*/ binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed synchronously (ENOENT/EACCES): the error event carries the reason
    const err = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`anvil: failed to start ${binary}: ${err.message}`);
  }
  children.set(pid, child);
  if (options.stateFile) stateful.add(pid);

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => {
    children.delete(pid);
    stateful.delete(pid);
  });

  // anvil prints "Listening on <host>:<port>" once its RPC server is bound.
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`anvil: no "Listening on" line within ${timeoutMs} ms`)), timeoutMs);
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      output = (output + text).slice(-4000);
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trimEnd();
        buffered = buffered.slice(nl + 1);
        options.onLog?.(line);
        const m = /Listening on .*:(\d+)\s*$/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          child.removeListener("exit", onExit);
          resolve(Number(m[1]));
        }
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(new Error(`anvil exited during startup (code ${code}, signal ${signal}):\n${output}`));
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    }
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", onExit);
    child.once("error", (err) => fail(new Error(`anvil: ${err.message}`)));
  });
  child.removeAllListeners("error");
  child.on("error", () => undefined);

  const rpcUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await rpcAnswers(rpcUrl))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`anvil: ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  // Keep draining output so anvil never blocks on a full pipe.
  if (!options.onLog) {
    child.stdout.removeAllListeners("data");
    child.stderr.removeAllListeners("data");
    child.stdout.resume();
    child.stderr.resume();
  }

  let stopping: Promise<void> | undefined;
  return {
    rpcUrl,
    host,
    port,
    pid,
    chainId,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(pid, "SIGTERM");
          } catch {
            // already gone
          }
          const killTimer = setTimeout(() => {
            try {
              process.kill(pid, "SIGKILL");
            } catch {
              // already gone
            }
          }, 2000);
          await exited;
          clearTimeout(killTimer);
        }
        children.delete(pid);
      })();
      return stopping;
    },
  };
}

// The embedded default's anvil: one per process (Next dev reloads modules; globalThis survives).
const embedded = globalThis as unknown as { __csEmbeddedAnvil?: Promise<AnvilInstance> };

/** Starts the embedded default's anvil once per process, keeping its state in `stateFile` if given. */
export function embeddedAnvil(stateFile: string | undefined): Promise<AnvilInstance> {
  embedded.__csEmbeddedAnvil ??= startAnvil({ stateFile }).catch((err) => {
    embedded.__csEmbeddedAnvil = undefined;
    throw err;
  });
  return embedded.__csEmbeddedAnvil;
}

/** Stops the embedded anvil, if this process started one (shutdown, tests). */
export async function stopEmbeddedAnvil(): Promise<void> {
  const anvil = embedded.__csEmbeddedAnvil;
  embedded.__csEmbeddedAnvil = undefined;
  if (anvil) await (await anvil.catch(() => undefined))?.stop();
}
