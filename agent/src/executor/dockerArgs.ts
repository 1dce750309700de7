import type { JobType } from "../protocol/v1";
import { scriptFileName } from "./scriptFile";

export interface DockerRunSpec {
  containerName: string;
  jobId: string;
  jobType: JobType;
  image: string;
  /** Host dir holding the script, mounted read-write at /work. */
  workdir: string;
  gpus: boolean;
  allowNetwork: boolean;
  memory: string;
  cpus: number;
  pidsLimit: number;
  /** "uid:gid" so the job can write the mounted dir without root. */
  user?: string;
  tmpfsSize?: string;
}

/** The `docker run` argument list for one job; pure so it can be tested without docker. */
export function buildDockerRunArgs(s: DockerRunSpec): string[] {
  const args = ["run", "--rm", "--name", s.containerName, "--label", `computeswarm.job=${s.jobId}`, "--init"];
  if (s.gpus) args.push("--gpus", "all");
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
  if (s.user) args.push("--user", s.user);
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

/** The image a job runs in: one the seller allowed; the first unless the job asks for another allowed one. */
export function pickImage(allowlist: string[], requested?: string): string {
  if (allowlist.length === 0) throw new Error("no docker image is allowed: set --image-allowlist");
  if (requested === undefined) return allowlist[0]!;
  if (!allowlist.includes(requested)) throw new Error(`image ${requested} is not in this node's allowlist`);
  return requested;
}

/** Container names allow [a-zA-Z0-9_.-]; job ids are UUIDs but do not trust that. */
export function containerNameFor(jobId: string): string {
  return `computeswarm-job-${jobId.replace(/[^a-zA-Z0-9_.-]/g, "_")}`.slice(0, 120);
}
