import { mkdir, readdir, rm } from "node:fs/promises";
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
