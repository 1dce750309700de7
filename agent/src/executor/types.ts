import type { JobType } from "../protocol/v1";

export type OutputStream = "stdout" | "stderr";

export interface ExecutionRequest {
  jobId: string;
  jobType: JobType;
  script: string;
  maxDurationSeconds: number;
  /** Called with output as it arrives, already limited by the output cap. */
  onOutput?: (stream: OutputStream, text: string) => void;
  /** Aborting kills the job now (agent shutdown, or the marketplace dropped the job). */
  signal?: AbortSignal;
}

export interface ExecutionResult {
  /** The script's exit code; 128 + signal number when a signal ended it. */
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived, capped, with a note when truncated. */
  output: string;
  outputTruncated: boolean;
  durationMs: number;
  /** Killed because it ran past maxDurationSeconds. */
  timedOut: boolean;
  /** Killed because `signal` aborted. */
  aborted: boolean;
}

export interface Executor {
  readonly kind: "process" | "docker";
  supportedJobTypes(): JobType[];
  run(req: ExecutionRequest): Promise<ExecutionResult>;
}

/** The node could not run the job at all (sandbox or runtime failure): reported as node_error. */
export class ExecutorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecutorError";
  }
}
