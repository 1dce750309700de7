import type { JobType } from "@computeswarm/protocol";
import { SANDBOX_GID, SANDBOX_UID } from "./bwrap-args";
import { scriptFileName } from "./script-file";

/** Every job container carries this label with the node id, so an orphan sweep finds them after a crash. */
export const NODE_LABEL = "computeswarm.node";
export const JOB_LABEL = "computeswarm.job";

export interface DockerRunSpec {
  containerName: string;
  jobId: string;
  nodeId: string;
  jobType: JobType;
  /** What to run: an image id (sha256:...), already checked against the allowlist. */
  image: string;
  /** Host dir holding the script, mounted read-write at /work. */
  workdir: string;
  /** The node's own GPU indexes; empty on CPU nodes. Never "all": another tenant's GPUs stay out. */
  gpuIndexes: number[];
  allowNetwork: boolean;
  memory: string;
  cpus: number;
  pidsLimit: number;
  tmpfsSize?: string;
}

/** The `docker run` argument list for one job; pure so it can be tested without docker. */
export function buildDockerRunArgs(s: DockerRunSpec): string[] {
  const args = ["run", "--rm", "--name", s.containerName, "--label", `${NODE_LABEL}=${s.nodeId}`];
  args.push("--label", `${JOB_LABEL}=${s.jobId}`, "--init");
  // The quotes keep docker's CSV parser from splitting "device=0,1" at the comma.
  if (s.gpuIndexes.length > 0) args.push("--gpus", `"device=${s.gpuIndexes.join(",")}"`);
  if (!s.allowNetwork) args.push("--network", "none");
  args.push(
    "--memory",
    s.memory,
    "--memory-swap",
    s.memory, // same as --memory: no swap on top
    "--cpus",
    String(s.cpus),
    "--pids-limit",
    String(s.pidsLimit),
    "--read-only",
    "--tmpfs",
    `/tmp:rw,nosuid,nodev,size=${s.tmpfsSize ?? "1g"}`,
    "--security-opt",
    "no-new-privileges",
    "--cap-drop",
    "ALL",
  );
  // A fixed unprivileged user, whoever runs the agent (root included).
  args.push("--user", `${SANDBOX_UID}:${SANDBOX_GID}`);
  args.push(
    "-e",
    "HOME=/work",
    "-e",
    "TMPDIR=/tmp",
    "-e",
    "PYTHONUNBUFFERED=1",
    "-v",
    `${s.workdir}:/work`,
    "-w",
    "/work",
    s.image,
  );
  const file = scriptFileName(s.jobType);
  args.push(...(s.jobType === "python" ? ["python3", "-u", file] : ["bash", file]));
  return args;
}

/** An allowlist entry: a name pinned by digest, e.g. pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime@sha256:<64 hex>. */
export interface PinnedImage {
  /** The entry as the seller wrote it (what the node advertises and a job names). */
  ref: string;
  name: string;
  digest: string;
}

const PINNED = /^([a-z0-9][a-z0-9._\/:-]{0,250})@(sha256:[0-9a-f]{64})$/;

/** Parses one allowlist entry; an entry without a digest is refused: a tag can be re-pointed under the seller. */
export function parsePinnedImage(ref: string): PinnedImage {
  const m = PINNED.exec(ref.trim());
  if (!m)
    throw new Error(
      `image ${JSON.stringify(ref)} is not pinned by digest: write it as name[:tag]@sha256:<64 hex> ` +
        "(see `docker images --digests`, or `docker image inspect --format '{{.Id}}' IMAGE` for a local image)",
    );
  return { ref: m[0], name: m[1]!, digest: m[2]! };
}

/** The image a job runs in: one the seller allowed; the first unless the job names another allowed one. */
export function pickImage(allowlist: PinnedImage[], requested?: string): PinnedImage {
  if (allowlist.length === 0) throw new Error("no docker image is allowed: set --image-allowlist");
  if (requested === undefined || requested === "") return allowlist[0]!;
  const found = allowlist.find((i) => i.ref === requested);
  if (!found) throw new Error(`image ${requested} is not in this node's allowlist`);
  return found;
}

/** Container names allow [a-zA-Z0-9_.-]; job ids are UUIDs but do not trust that. */
export function containerNameFor(jobId: string): string {
  return `computeswarm-job-${jobId.replace(/[^a-zA-Z0-9_.-]/g, "_")}`.slice(0, 120);
}
