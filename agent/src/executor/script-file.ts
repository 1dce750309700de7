import type { JobType } from "@computeswarm/protocol";

/** File name a job's script is written to inside its work dir. */
export function scriptFileName(jobType: JobType): string {
  return jobType === "python" ? "script.py" : "script.sh";
}
