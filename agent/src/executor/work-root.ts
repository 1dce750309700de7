import { chmod, mkdir, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * The directory that holds this node's job work dirs (0700). Dirs left in it
 * belong to an earlier run of the same node that died mid-job (SIGKILL, OOM,
 * power loss): a running agent removes its own, so at start they are stale.
 */
export async function prepareWorkRoot(
  nodeId: string,
  base = os.tmpdir(),
): Promise<{ dir: string; removedStale: number }> {
  const dir = path.join(base, `computeswarm-agent-${nodeId.replace(/[^a-zA-Z0-9_-]/g, "_")}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stale = (await readdir(dir)).filter((n) => n.startsWith("computeswarm-job-"));
  await Promise.all(stale.map((n) => rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
  return { dir, removedStale: stale.length };
}

/** Where jobs that run as uid 65534 (the agent being root) get their dirs: there, that uid can reach them. */
const SHARED_JOB_ROOT = "/tmp/computeswarm-sandbox-jobs";

/**
 * The dir to make a job's work dir in when the job runs as another uid: the
 * agent's own work root if every dir above it is world-searchable, else a
 * traverse-only (0711) dir under /tmp. The job dirs themselves are 0700 and
 * owned by the job's uid.
 */
export async function jobDirBase(workRoot: string, reachable: (p: string) => boolean): Promise<string> {
  // Always a dir of our own: never change the mode of the work root itself (it may be /tmp).
  const base = reachable(path.join(workRoot, "x")) ? path.join(workRoot, "computeswarm-sandbox-jobs") : SHARED_JOB_ROOT;
  await mkdir(base, { recursive: true, mode: 0o711 });
  await chmod(base, 0o711);
  return base;
}
