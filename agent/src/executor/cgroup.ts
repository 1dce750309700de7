import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { access, mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import type { JobLimits } from "./types";

const CGROUP_ROOT = "/sys/fs/cgroup";
const CPU_PERIOD_US = 100_000;

/** One job's cgroup: every process the job starts is inside it, so limits hold and cleanup finds them all. */
export interface JobCgroup {
  /** The cgroup.procs files the job's first process is written into. */
  readonly procsFiles: string[];
  join(pid: number): Promise<void>;
  /** SIGKILLs whatever is still inside, then removes the cgroup(s). */
  destroy(): Promise<void>;
}

/** Where this agent may make job cgroups: v2 (unified) or v1 (one dir per controller), or null. */
export type CgroupLayout =
  { version: 2; dir: string } | { version: 1; memory: string; pids: string; cpu: string | null } | null;

/** Parses /proc/self/cgroup: the agent's own cgroup per controller ("" key = the v2 one). */
export function ownCgroups(procSelfCgroup: string): Map<string, string> {
  const byController = new Map<string, string>();
  for (const line of procSelfCgroup.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const controller of m[1]!.split(",")) byController.set(controller, m[2]!);
  }
  return byController;
}

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a cgroup the agent may create children in. Job cgroups go below the
 * agent's own one, so a container or systemd unit around the agent still bounds them.
 */
export async function detectCgroupLayout(root = CGROUP_ROOT): Promise<CgroupLayout> {
  let own: Map<string, string>;
  try {
    own = ownCgroups(readFileSync("/proc/self/cgroup", "utf8"));
  } catch {
    return null;
  }
  const v2 = own.get("");
  if (v2 !== undefined && existsSync(path.join(root, "cgroup.controllers"))) {
    const dir = path.join(root, v2);
    const controllers = await readFile(path.join(dir, "cgroup.subtree_control"), "utf8").catch(() => "");
    if (/\bmemory\b/.test(controllers) && /\bpids\b/.test(controllers) && (await writable(dir)))
      return { version: 2, dir };
  }
  const v1 = (controller: string, mount = controller) => {
    const rel = own.get(controller);
    return rel === undefined ? null : path.join(root, mount, rel);
  };
  const memory = v1("memory");
  const pids = v1("pids");
  const cpu = v1("cpu", existsSync(path.join(root, "cpu,cpuacct")) ? "cpu,cpuacct" : "cpu");
  if (memory && pids && (await writable(memory)) && (await writable(pids)))
    return { version: 1, memory, pids, cpu: cpu && (await writable(cpu)) ? cpu : null };
  return null;
}

function cgroupName(jobId: string): string {
  // Random suffix: a cgroup a crashed run left behind never blocks a retried job.
  return `computeswarm-job-${jobId.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 80)}-${randomBytes(4).toString("hex")}`;
}

async function killAndRemove(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const procs = await readFile(path.join(dir, "cgroup.procs"), "utf8").catch(() => "");
    const pids = procs.split("\n").filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      await new Promise((r) => setTimeout(r, 100)); // EBUSY until the killed processes are reaped
    }
  }
}

/** Creates the job's cgroup(s) with its limits; throws when a limit cannot be set. */
export async function createJobCgroup(layout: NonNullable<CgroupLayout>, jobId: string, limits: JobLimits) {
  const name = cgroupName(jobId);
  const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
  const dirs: string[] = [];
  const make = async (parent: string) => {
    const dir = path.join(parent, name);
    await mkdir(dir);
    dirs.push(dir);
    return dir;
  };
  try {
    if (layout.version === 2) {
      const dir = await make(layout.dir);
      await writeFile(path.join(dir, "memory.max"), String(limits.memoryBytes));
      await writeFile(path.join(dir, "memory.swap.max"), "0").catch(() => undefined); // absent without swap accounting
      await writeFile(path.join(dir, "pids.max"), String(limits.pids));
      await writeFile(path.join(dir, "cpu.max"), `${quota} ${CPU_PERIOD_US}`).catch(() => undefined);
    } else {
      const memory = await make(layout.memory);
      await writeFile(path.join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // No swap on top of the limit, where swap accounting exists.
      if (existsSync(path.join(memory, "memory.memsw.limit_in_bytes")))
        await writeFile(path.join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
      const pids = await make(layout.pids);
      await writeFile(path.join(pids, "pids.max"), String(limits.pids));
      if (layout.cpu) {
        const cpu = await make(layout.cpu);
        await writeFile(path.join(cpu, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
        await writeFile(path.join(cpu, "cpu.cfs_quota_us"), String(quota));
      }
    }
  } catch (err) {
    await Promise.all(dirs.map(killAndRemove));
    throw err;
  }
  const procsFiles = dirs.map((d) => path.join(d, "cgroup.procs"));
  return {
    procsFiles,
    async join(pid: number) {
      for (const file of procsFiles) await writeFile(file, String(pid));
    },
    async destroy() {
      await Promise.all(dirs.map(killAndRemove));
    },
  } satisfies JobCgroup;
}

/** "16g", "512m", "1024k", "2048" → bytes (docker's --memory syntax). */
export function parseMemorySize(size: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(size.trim());
  if (!m) throw new Error(`not a memory size: ${size}`);
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}
