import { z } from "zod";
import { gpuInfoSchema } from "./gpu";
import { endpointSchema, nodeNameSchema, priceSchema, signedRegistrationSchema } from "./registration";
import { nonNegativeInt4, int4, text, uuid } from "./fields";
import { JOB_TYPES, jobTypeSchema } from "./jobs";

/**
 * Agent protocol, version 2: plain JSON over HTTP under /api/agent/v2 (v1 beside it).
 * Agents in the field run older versions: only add optional fields here;
 * anything incompatible is a new version (v2) served beside this one.
 * Every call but register/pair carries `Authorization: Bearer <agentToken>`.
 */
export const AGENT_PROTOCOL_VERSION = 2;
export const AGENT_API_PREFIX = "/api/agent/v2";
/**
 * Version 2 changed only how a registration is signed (EIP-712 domain
 * version 2, bound to the marketplace's URL by its salt; `info` says which
 * URL). Every other call is unchanged, so /api/agent/v1 still serves agents
 * registered before, and answers a v1 `register` with an upgrade message.
 */
export const AGENT_PROTOCOL_V1_PREFIX = "/api/agent/v1";

/** GET /info (no auth): what the agent needs before it signs a registration. */
export const infoResponseSchema = z.object({
  chainId: z.number().int().positive(),
  protocolVersion: z.number().int().positive(),
  /** The marketplace's public URL: seller signatures are bound to it (v2). */
  marketplaceUrl: z.string().url(),
});
export type InfoResponse = z.infer<typeof infoResponseSchema>;

/**
 * A container image pinned by digest, as a node advertises it and a job names
 * it: name[:tag]@sha256:<64 hex>, e.g.
 * pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime@sha256:... (added in v1, agent 0.2:
 * agents that do not send `images` get no jobs naming one).
 */
export const imageRefSchema = z
  .string()
  .max(300)
  .regex(
    /^[a-z0-9][a-z0-9._/:-]{0,250}@sha256:[0-9a-f]{64}$/,
    "must be an image name pinned by digest: name[:tag]@sha256:<64 hex>",
  );
export type ImageRef = z.infer<typeof imageRefSchema>;
export const MAX_NODE_IMAGES = 32;

/** POST /register: the seller's signed EIP-712 registration (from a key file). */
export const registerRequestSchema = signedRegistrationSchema;
/** POST /pair: redeem a one-time pairing code from the seller dashboard. */
export const pairRequestSchema = z.object({
  code: text().trim().min(6).max(64),
  gpuInfo: gpuInfoSchema,
  endpoint: endpointSchema.optional(),
  /** The price the seller gave the agent (--price); the server may prefer the one set with the code. */
  pricePerHour: priceSchema.optional(),
  /** The node's name (--name; added in agent 0.3); a name set with the code in the dashboard wins. */
  name: nodeNameSchema.optional(),
});
export const registerResponseSchema = z.object({
  nodeId: z.string().uuid(),
  agentToken: z.string(),
  /** The node's seller (added later: older marketplaces leave it out). A paired agent learns it only here. */
  seller: z.string().optional(),
});
export type RegisterResponse = z.infer<typeof registerResponseSchema>;

/** POST /heartbeat */
export const heartbeatRequestSchema = z.object({
  gpuUtilization: z.number().min(0).max(100).optional(),
  runningJobId: uuid().optional(),
  agentVersion: text().max(40).optional(),
  /** The images this node's jobs may name (docker allowlist); omitted by old agents and by non-container nodes. */
  images: z.array(imageRefSchema).max(MAX_NODE_IMAGES).optional(),
});
export const heartbeatResponseSchema = z.object({
  ok: z.literal(true),
  status: z.string(),
  serverTime: z.number(),
});

/** POST /claim: long-poll for the node's oldest queued job. */
export const claimRequestSchema = z.object({
  waitSeconds: z.number().int().min(0).max(25).default(25),
  jobTypes: z
    .array(jobTypeSchema)
    .min(1)
    .max(JOB_TYPES.length)
    .default([...JOB_TYPES]),
  /**
   * A random id the agent draws once per process start. A job still running
   * under another boot id was lost by an earlier process (an orphan: failed
   * as node_error); concurrent claims of one process never orphan each other.
   * Agents without it never have their running jobs orphaned by a claim.
   */
  bootId: z
    .string()
    .regex(/^[0-9A-Za-z_-]{8,64}$/, "must be 8 to 64 characters of [0-9A-Za-z_-]")
    .optional(),
});
export const claimedJobSchema = z.object({
  id: z.string().uuid(),
  jobType: jobTypeSchema,
  script: z.string(),
  maxDurationSeconds: z.number().int().positive(),
  /** The image the buyer chose, one the node advertised; absent for a job without one. */
  image: imageRefSchema.optional(),
});
export type ClaimedJob = z.infer<typeof claimedJobSchema>;
export const claimResponseSchema = z.object({ job: claimedJobSchema.nullable() });

/** The output streams a job's log is kept in (job_logs.stream's CHECK lists the same). */
export const LOG_STREAMS = ["stdout", "stderr"] as const;

/** POST /jobs/{id}/logs: a chunk of output while the job runs. */
export const appendLogRequestSchema = z.object({
  seq: nonNegativeInt4(),
  stream: z.enum(LOG_STREAMS),
  data: text().max(64 * 1024),
});

/**
 * POST /jobs/{id}/logs/stream (added beside /logs; older marketplaces lack it): the chunks of /logs as one
 * long request, one JSON object per line (application/x-ndjson), so a running
 * job costs one request per LOG_STREAM_MAX_SECONDS instead of one per chunk.
 * The job is checked first and refused as /logs refuses it (401, 404, 409);
 * then the answer is 200 and carries one line per chunk, in order: an ack, or
 * an error after which the marketplace ends the stream (the agent ends its
 * request too). A marketplace without this route answers 404 with no
 * `reason` (older servers, `next dev`): send each chunk to /logs instead.
 */
export const logStreamAckSchema = z.object({
  seq: nonNegativeInt4(),
  stream: z.enum(LOG_STREAMS),
  /** The job's log had reached its size cap: the chunk was not kept. */
  dropped: z.boolean(),
});
export const logStreamErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    reason: z.string().nullable().optional(),
    message: z.string(),
    /** The HTTP status the same refusal gets from /logs. */
    status: z.number().int(),
  }),
});
/**
 * The agent ends a stream after this long and opens a new one: a request may
 * not outlive the server's request timeout (Node's default, 300 s), and a
 * proxy in front may cut a quiet one (deploy/nginx.conf: 60 s).
 */
export const LOG_STREAM_MAX_SECONDS = 120;
/** ...and ends it when the job has been quiet this long. */
export const LOG_STREAM_IDLE_SECONDS = 20;

/** POST /jobs/{id}/complete: the job ran to an end (any exit code, or killed at its limit). */
export const completeRequestSchema = z.object({
  exitCode: int4().nullable(),
  output: text().max(1024 * 1024 + 1024),
  /**
   * The exact output bytes, base64, when they are not plain UTF-8 text (NUL,
   * invalid UTF-8); `output` is then ignored and the server derives the text
   * shown (see displayText). Optional: older agents never send it.
   */
  outputBase64: z
    .string()
    .max(Math.ceil((1024 * 1024 + 1024) / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64")
    .optional(),
  outputTruncated: z.boolean().default(false),
  durationMs: nonNegativeInt4(),
  timedOut: z.boolean().default(false),
});

/** POST /jobs/{id}/fail: the node could not run the job (sandbox failure, shutdown). */
export const failRequestSchema = z.object({
  reason: z.enum(["node_error"]).default("node_error"),
  message: text().max(2000),
});

export const ackResponseSchema = z.object({ ok: z.literal(true), status: z.string() });

/** Errors from the marketplace: { error: { code, message } } with a 4xx/5xx status. */
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
