import type { JobType } from "@computeswarm/protocol";

export type OutputStream = "stdout" | "stderr";

/** Per-job resource caps; the sandboxing executors enforce them (docker flags, a cgroup, or rlimits). */
export interface JobLimits {
  memoryBytes: number;
  pids: number;
  cpus: number;
}

export interface ExecutionRequest {
  jobId: string;
  jobType: JobType;
  script: string;
  maxDurationSeconds: number;
  /** Called with output as it arrives, already limited by the output cap. */
  onOutput?: (stream: OutputStream, text: string) => void;
  /** Aborting kills the job now (agent shutdown, or the marketplace dropped the job). */
  signal?: AbortSignal;
  /** Image the buyer asked for (docker); must be one the seller allowed. */
  image?: string;
  /** Tighter caps than the node's own, e.g. for the self-test canary. */
  limits?: Partial<JobLimits>;
}

export interface ExecutionResult {
  /** The script's exit code; 128 + signal number when a signal ended it. */
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived, capped, with a note when truncated. */
  output: string;
  /** The exact bytes of `output`, base64, when they are not plain UTF-8 text (NUL, invalid UTF-8). */
  outputBase64?: string;
  outputTruncated: boolean;
  durationMs: number;
  /** Killed because it ran past maxDurationSeconds. */
  timedOut: boolean;
  /** Killed because `signal` aborted. */
  aborted: boolean;
}

export type ExecutorKind = "docker" | "bwrap" | "process";

export interface Executor {
  readonly kind: ExecutorKind;
  supportedJobTypes(): JobType[];
  /** Images jobs may name (docker allowlist refs); none for executors that run the node's own runtime. */
  advertisedImages(): string[];
  run(req: ExecutionRequest): Promise<ExecutionResult>;
}

/** The node could not run the job at all (sandbox or runtime failure): reported as node_error. */
export class ExecutorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecutorError";
  }
}
