import "server-only";
import { z } from "zod";
import { NETWORK_NAMES } from "../lib/chains";

/**
 * The only reader of process.env. Every setting is validated here at start-up;
 * a missing or malformed variable stops the app with a message naming it.
 * With no DATABASE_URL / REDIS_URL / RPC_URL the embedded defaults run.
 */
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const perMinute = z.coerce.number().int().min(0).max(1_000_000);
const seconds = z.coerce.number().int().min(1).max(86_400);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex private key");

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Defaults to http://localhost:{PORT} (see the transform below). */
    PUBLIC_URL: z.url("an absolute URL such as https://computeswarm.example").optional(),
    PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
    /** The address `npm start` listens on (server.mjs); loopback unless set, e.g. HOST=0.0.0.0 behind a proxy. */
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    /** The embedded default's demo node: a local agent (bwrap sandbox; unsandboxed only on loopback) serving jobs. */
    DEMO_AGENT: bool.default(true),
    /** Hand out the demo wallet's key even though a real database (a shared deployment) is configured. */
    DEMO: bool.default(false),
    /** Bearer token `/api/metrics` requires; unset, metrics are served only outside production. */
    METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "a postgresql:// connection URL")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    // A database that stops answering must fail requests fast (503), not hang them for the whole outage.
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(3_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Named (prepared) statements, parsed and planned once per connection; false behind a transaction-pooling PgBouncer. */
    DATABASE_PREPARED_STATEMENTS: bool.default(true),
    DATA_DIR: z.string().min(1).default(".data"),
    /** The built seller agent served at /agent/computeswarm-agent.js. */
    AGENT_BUNDLE_FILE: z.string().min(1).default("agent/dist/cli.js"),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "a redis:// or rediss:// URL")
      .optional(),
    REDIS_KEY_PREFIX: z.string().max(64).default("cs:"),

    CHAIN: z.enum(NETWORK_NAMES).default("local"),
    RPC_URL: z.url("an http(s) JSON-RPC URL").optional(),
    RELAYER_PRIVATE_KEY: privateKey.optional(),
    FACILITATOR_URL: z.url("the base URL of an x402 facilitator").optional(),
    USDC_DOMAIN_NAME: z.string().min(1).max(64).optional(),
    // How long after a job's max duration its payment authorization must stay valid (queue wait, grace, settlement retries).
    SETTLEMENT_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .max(7 * 86_400)
      .default(3600),
    // A started job that ended without its agent's report (silence, watchdog timeout) is voided only after this (a late report may still come).
    VOID_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
    // Optional marketplace fee on each capture, through the escrow's fee fields (basis points of the captured amount).
    MARKETPLACE_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(0),
    FEE_RECIPIENT: address.optional(),
    SETTLEMENT_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),

    ADMIN_ADDRESSES: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .pipe(z.array(address)),
    NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: z.string().optional(),

    RATE_LIMIT_ENABLED: bool.default(true),
    RATE_LIMIT_DISCOVERY_PER_MIN: perMinute.default(10),
    RATE_LIMIT_JOB_SUBMIT_PER_MIN: perMinute.default(1),
    RATE_LIMIT_REGISTER_PER_MIN: perMinute.default(10),
    RATE_LIMIT_DEFAULT_PER_MIN: perMinute.default(300),
    TRUST_PROXY: bool.default(false),

    HEARTBEAT_TTL_SECONDS: seconds.default(60),
    HEARTBEAT_FLUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    NODE_LIST_CACHE_SECONDS: seconds.default(5),
    SIGNATURE_MAX_TTL_SECONDS: seconds.default(3600),
    WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    QUEUED_JOB_OFFLINE_SECONDS: seconds.default(600),
  })
  .superRefine((env, ctx) => {
    if (env.CHAIN !== "local" && !env.RPC_URL) {
      ctx.addIssue({ code: "custom", path: ["RPC_URL"], message: `required when CHAIN=${env.CHAIN}` });
    }
    if (env.MARKETPLACE_FEE_BPS > 0 && !env.FEE_RECIPIENT) {
      ctx.addIssue({
        code: "custom",
        path: ["FEE_RECIPIENT"],
        message: "required when MARKETPLACE_FEE_BPS is above 0",
      });
    }
    if (env.CHAIN !== "local" && !env.RELAYER_PRIVATE_KEY && !env.FACILITATOR_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["RELAYER_PRIVATE_KEY"],
        message: `required when CHAIN=${env.CHAIN} and no FACILITATOR_URL is set`,
      });
    }
  })
  // The marketplace's own address follows its port unless set: `PORT=3100 npm start` signs in at localhost:3100.
  .transform((env) => ({ ...env, PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}` }));

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Parses a set of variables; throws an EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset, as shells and compose files often pass them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
  throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
}

let cached: Env | undefined;
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
