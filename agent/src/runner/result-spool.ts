import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** Next to the config file, per node, so two agents with two configs never share one. */
export function spoolDirFor(configPath: string, nodeId: string): string {
  return path.join(path.dirname(configPath), "pending-results", nodeId.replace(/[^a-zA-Z0-9_-]/g, "_"));
}

export interface PendingReport {
  jobId: string;
  kind: "complete" | "fail";
  body: Record<string, unknown>;
  createdAt: string;
}

/**
 * Finished-job reports not yet acknowledged by the marketplace, one file per
 * job (mode 0600: outputs belong to buyers). Written before the first attempt
 * and removed on acknowledgement, so a result survives an agent restart.
 */
export class ResultSpool {
  constructor(readonly dir: string) {}

  private file(jobId: string): string {
    return path.join(this.dir, `${jobId.replace(/[^a-zA-Z0-9_-]/g, "_")}.json`);
  }

  async save(report: PendingReport): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(report.jobId);
    const tmp = `${target}.tmp`;
    await writeFile(tmp, JSON.stringify(report), { mode: 0o600 });
    await rename(tmp, target);
  }

  async remove(jobId: string): Promise<void> {
    await rm(this.file(jobId), { force: true });
  }

  async list(): Promise<PendingReport[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const reports: PendingReport[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      try {
        const r = JSON.parse(await readFile(path.join(this.dir, name), "utf8")) as PendingReport;
        if (typeof r.jobId === "string" && (r.kind === "complete" || r.kind === "fail") && r.body) reports.push(r);
      } catch {
        /* a torn or foreign file: skip it */
      }
    }
    return reports;
  }
}
