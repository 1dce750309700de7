import { Option, type Command } from "commander";
import type { AgentConfigFile } from "./config-file";

/**
 * Every CLI option, declared once: its flag, the COMPUTESWARM_* variable that
 * mirrors it, and whether the config file may hold it. Precedence when
 * resolving: flag > environment > config file > built-in default.
 */
export interface OptionSpec {
  key: string;
  flags: string;
  env: string;
  kind: "string" | "number" | "boolean" | "list";
  description: string;
  /** Shown in help; applied by the command's settings schema, not by commander. */
  defaultText?: string;
  /** False for one-time values (a pairing code) that make no sense in a file. */
  inConfigFile?: boolean;
}

export const OPTION_SPECS = {
  config: {
    key: "config",
    flags: "--config <path>",
    env: "COMPUTESWARM_CONFIG",
    kind: "string",
    description: "agent config file (node id, token, marketplace URL; written with mode 0600)",
    defaultText: "~/.computeswarm/agent.json",
    inConfigFile: false,
  },
  marketplace: {
    key: "marketplace",
    flags: "--marketplace <url>",
    env: "COMPUTESWARM_MARKETPLACE",
    kind: "string",
    description: "marketplace base URL, e.g. https://computeswarm.example",
  },
  keyFile: {
    key: "keyFile",
    flags: "--key-file <path>",
    env: "COMPUTESWARM_KEY_FILE",
    kind: "string",
    description:
      "file holding the seller's hex private key, used once to sign the registration (never logged or stored); or set COMPUTESWARM_PRIVATE_KEY",
  },
  pair: {
    key: "pair",
    flags: "--pair <code>",
    env: "COMPUTESWARM_PAIR",
    kind: "string",
    description: "one-time pairing code from the seller dashboard (instead of a key)",
    inConfigFile: false,
  },
  price: {
    key: "price",
    flags: "--price <usd-per-hour>",
    env: "COMPUTESWARM_PRICE",
    kind: "string",
    description: "price in USD per hour, e.g. 2.50 (0 for a free node); required with a key",
  },
  name: {
    key: "name",
    flags: "--name <name>",
    env: "COMPUTESWARM_NAME",
    kind: "string",
    description: 'a name for this node shown to buyers, e.g. "lab-h200-1" (at most 64 characters)',
    defaultText: "its GPU model",
  },
  endpoint: {
    key: "endpoint",
    flags: "--endpoint <url>",
    env: "COMPUTESWARM_ENDPOINT",
    kind: "string",
    description: "public URL of this node, if it has one",
    defaultText: "none",
  },
  benchmark: {
    key: "benchmark",
    flags: "--no-benchmark",
    env: "COMPUTESWARM_BENCHMARK",
    kind: "boolean",
    description: "skip the bf16 matmul benchmark (COMPUTESWARM_BENCHMARK=false)",
  },
  runBenchmark: {
    key: "benchmark",
    flags: "--benchmark",
    env: "COMPUTESWARM_BENCHMARK",
    kind: "boolean",
    description: "also run the bf16 matmul benchmark (needs PyTorch with CUDA)",
    inConfigFile: false,
  },
  executor: {
    key: "executor",
    flags: "--executor <kind>",
    env: "COMPUTESWARM_EXECUTOR",
    kind: "string",
    description:
      "docker, bwrap or process; default: docker when `docker info` works and an image allowlist is set, else bwrap (bubblewrap) when it can build a sandbox, else process (only with --allow-unsandboxed)",
  },
  allowUnsandboxed: {
    key: "allowUnsandboxed",
    flags: "--allow-unsandboxed",
    env: "COMPUTESWARM_ALLOW_UNSANDBOXED",
    kind: "boolean",
    description:
      "allow the process executor when no sandbox (docker, bwrap) is available: buyers' scripts then run UNSANDBOXED (as uid 65534 with no-new-privs when the agent is root)",
  },
  allowNetwork: {
    key: "allowNetwork",
    flags: "--allow-network",
    env: "COMPUTESWARM_ALLOW_NETWORK",
    kind: "boolean",
    description: "give jobs network access (docker and bwrap; default: no network at all)",
  },
  imageAllowlist: {
    key: "imageAllowlist",
    flags: "--image-allowlist <images...>",
    env: "COMPUTESWARM_IMAGE_ALLOWLIST",
    kind: "list",
    description:
      "docker images jobs may run in, each pinned by digest (name[:tag]@sha256:...); the node advertises them, buyers pick one, the first is the default (in env or file: comma-separated)",
  },
  maxOutputBytes: {
    key: "maxOutputBytes",
    flags: "--max-output-bytes <n>",
    env: "COMPUTESWARM_MAX_OUTPUT_BYTES",
    kind: "number",
    description: "cap on a job's stdout+stderr kept and streamed, at most 1048576",
    defaultText: "1048576",
  },
  heartbeatInterval: {
    key: "heartbeatInterval",
    flags: "--heartbeat-interval <seconds>",
    env: "COMPUTESWARM_HEARTBEAT_INTERVAL",
    kind: "number",
    description: "seconds between heartbeats",
    defaultText: "15",
  },
  pollWait: {
    key: "pollWait",
    flags: "--poll-wait <seconds>",
    env: "COMPUTESWARM_POLL_WAIT",
    kind: "number",
    description: "long-poll wait per claim request, 0-25 seconds",
    defaultText: "25",
  },
  shutdownGrace: {
    key: "shutdownGrace",
    flags: "--shutdown-grace <seconds>",
    env: "COMPUTESWARM_SHUTDOWN_GRACE",
    kind: "number",
    description: "on SIGTERM/SIGINT, how long a running job may finish before it is killed and handed back",
    defaultText: "30",
  },
  dockerMemory: {
    key: "dockerMemory",
    flags: "--docker-memory <size>",
    env: "COMPUTESWARM_DOCKER_MEMORY",
    kind: "string",
    description: "memory limit per job (docker container, or bwrap job cgroup)",
    defaultText: "16g",
  },
  dockerCpus: {
    key: "dockerCpus",
    flags: "--docker-cpus <n>",
    env: "COMPUTESWARM_DOCKER_CPUS",
    kind: "number",
    description: "CPU limit per job (docker container, or bwrap job cgroup)",
    defaultText: "all CPUs",
  },
  dockerPidsLimit: {
    key: "dockerPidsLimit",
    flags: "--docker-pids-limit <n>",
    env: "COMPUTESWARM_DOCKER_PIDS_LIMIT",
    kind: "number",
    description: "process limit per job (docker container, or bwrap job cgroup/rlimit)",
    defaultText: "1024",
  },
  logLevel: {
    key: "logLevel",
    flags: "--log-level <level>",
    env: "COMPUTESWARM_LOG_LEVEL",
    kind: "string",
    description: "debug, info, warn or error",
    defaultText: "info",
  },
} satisfies Record<string, OptionSpec>;

/** Commander shows the variable in `--help` and decides flag over environment. */
export function addSpecOption(cmd: Command, spec: OptionSpec): void {
  const extra = spec.defaultText ? `; default ${spec.defaultText}` : "";
  cmd.addOption(new Option(spec.flags, `${spec.description}${extra}`).env(spec.env));
}

export class UsageError extends Error {}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

const splitList = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Commander only notes that a boolean's variable is set (so "false" would turn
 * a flag on) and takes a list's variable as one item: read those from the raw value.
 */
function fromEnv(spec: OptionSpec, raw: string, parsed: unknown): unknown {
  if (spec.kind === "boolean") {
    const v = raw.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    throw new UsageError(`${spec.env} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (spec.kind === "list") return splitList(raw);
  return parsed;
}

function fromFile(spec: OptionSpec, raw: unknown): unknown {
  if (spec.kind === "list" && typeof raw === "string") return splitList(raw);
  return raw;
}

/**
 * Picks each option's value: a flag the user actually typed, else its
 * non-empty environment variable (as commander read it from process.env), else
 * the config file. Commander's implicit defaults (e.g. true for --no-benchmark)
 * are ignored so that a file value is not shadowed by them.
 */
export function resolveSpecValues(cmd: Command, specs: OptionSpec[], file: AgentConfigFile): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const values = cmd.opts();
  for (const spec of specs) {
    const source = cmd.getOptionValueSource(spec.key);
    const envRaw = process.env[spec.env];
    const fileValue = (file as Record<string, unknown>)[spec.key];
    if (source === "cli") out[spec.key] = values[spec.key];
    else if (source === "env" && envRaw) out[spec.key] = fromEnv(spec, envRaw, values[spec.key]);
    else if (spec.inConfigFile !== false && fileValue !== undefined) out[spec.key] = fromFile(spec, fileValue);
  }
  return out;
}
