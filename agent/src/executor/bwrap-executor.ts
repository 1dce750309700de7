import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobType } from "@computeswarm/protocol";
import { findExecutable } from "../util/find-executable";
import { runCommand } from "../util/run-command";
import { SANDBOX_GID, SANDBOX_GROUP, SANDBOX_PASSWD, SANDBOX_UID, buildBwrapArgs, type RootEntry } from "./bwrap-args";
import { createJobCgroup, detectCgroupLayout, type CgroupLayout, type JobCgroup } from "./cgroup";
import { findSandboxPython, isRoot, worldReachable, type SandboxPython } from "./python";
import { jobDirBase } from "./work-root";
import { scriptFileName } from "./script-file";
import { superviseChild } from "./supervise-child";
import { ExecutorError, type ExecutionRequest, type ExecutionResult, type Executor, type JobLimits } from "./types";

export interface BwrapExecutorOptions {
  bwrap: string;
  python: SandboxPython | null;
  bash: boolean;
  limits: JobLimits;
  /** Where writable cgroups are, or null: then rlimits only, and memory is not capped. */
  cgroups: CgroupLayout;
  prlimit: string | null;
  gpuDevices: string[];
  gpuEnv: Record<string, string>;
  allowNetwork: boolean;
  maxOutputBytes: number;
  workRoot?: string;
  killGraceMs?: number;
}

/** Host /bin, /lib... as symlinks into /usr (merged /usr) or read-only binds. */
function hostRootEntries(): RootEntry[] {
  const entries: RootEntry[] = [];
  for (const name of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const p = `/${name}`;
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) entries.push({ name, symlinkTo: readlinkSync(p) });
      else if (st.isDirectory()) entries.push({ name, dir: true });
    } catch {
      /* absent */
    }
  }
  return entries;
}

/** Device nodes for GPUs 0..count-1 plus the shared NVIDIA control nodes that exist. */
export function nvidiaDeviceNodes(gpuIndexes: number[], devDir = "/dev"): string[] {
  if (gpuIndexes.length === 0) return [];
  let names: string[] = [];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  const shared = names.filter((n) => /^nvidia(ctl|-uvm|-uvm-tools|-modeset)$/.test(n));
  const own = gpuIndexes.map((i) => `nvidia${i}`).filter((n) => names.includes(n));
  const caps = existsSync(path.join(devDir, "nvidia-caps")) ? ["nvidia-caps"] : [];
  return [...own, ...shared, ...caps].map((n) => path.join(devDir, n));
}

/**
 * Runs each job with bubblewrap: every namespace unshared (no network), a
 * root of read-only /usr, a private /tmp and work dir, no host /etc beyond
 * what Python/SSL need, uid 65534 with no capabilities and an empty
 * environment. When the agent is root, bwrap itself runs as 65534 too, so the
 * job is not host root even inside its user namespace. Limits come from a
 * cgroup the job is moved into before it starts; without one, rlimits.
 */
export class BwrapExecutor implements Executor {
  readonly kind = "bwrap" as const;

  constructor(private readonly opts: BwrapExecutorOptions) {}

  advertisedImages(): string[] {
    return [];
  }

  supportedJobTypes(): JobType[] {
    const types: JobType[] = [];
    if (this.opts.python) types.push("python");
    if (this.opts.bash) types.push("shell");
    return types;
  }

  /** Why memory may not be capped, or null when it is. */
  limitsWarning(): string | null {
    if (this.opts.cgroups) return null;
    return this.opts.prlimit
      ? "bwrap: no writable cgroup, so job MEMORY IS NOT CAPPED (only a process limit via prlimit); run the agent as root or give it a delegated cgroup"
      : "bwrap: no writable cgroup and no prlimit: job MEMORY and PROCESSES ARE NOT CAPPED";
  }

  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const python = this.opts.python;
    if (req.jobType === "python" && !python) throw new ExecutorError("no python3 the sandbox can run on this node");
    const limits = { ...this.opts.limits, ...req.limits };
    const dropToNobody = isRoot();
    let root = this.opts.workRoot ?? os.tmpdir();
    // bwrap runs as 65534 and must reach the job dir (itself 0700 and 65534's).
    if (dropToNobody) root = await jobDirBase(root, worldReachable);
    let dir: string;
    try {
      dir = await mkdtemp(path.join(root, "computeswarm-job-"));
    } catch (err) {
      throw new ExecutorError(`could not create a work dir: ${(err as Error).message}`);
    }
    let cgroup: JobCgroup | undefined;
    try {
      const work = path.join(dir, "work");
      await mkdir(work, { mode: 0o700 });
      await writeFile(path.join(work, scriptFileName(req.jobType)), req.script, { mode: 0o644 });
      await writeFile(path.join(dir, "passwd"), SANDBOX_PASSWD, { mode: 0o644 });
      await writeFile(path.join(dir, "group"), SANDBOX_GROUP, { mode: 0o644 });
      if (dropToNobody) {
        await chown(dir, SANDBOX_UID, SANDBOX_GID);
        await chown(work, SANDBOX_UID, SANDBOX_GID);
        await chown(path.join(work, scriptFileName(req.jobType)), SANDBOX_UID, SANDBOX_GID);
        await chmod(dir, 0o700);
      }
      const args = buildBwrapArgs({
        jobType: req.jobType,
        workdir: work,
        passwdFile: path.join(dir, "passwd"),
        groupFile: path.join(dir, "group"),
        rootEntries: hostRootEntries(),
        python: python?.executable ?? "/usr/bin/python3",
        extraReadOnly: python?.readOnlyDirs ?? [],
        gpuDevices: this.opts.gpuDevices,
        allowNetwork: this.opts.allowNetwork,
        env: this.opts.gpuEnv,
      });
      let command = this.opts.bwrap;
      if (this.opts.cgroups) {
        try {
          cgroup = await createJobCgroup(this.opts.cgroups, req.jobId, limits);
        } catch (err) {
          throw new ExecutorError(`could not create the job's cgroup: ${(err as Error).message}`);
        }
      } else if (this.opts.prlimit) {
        args.unshift(`--nproc=${limits.pids}:${limits.pids}`, "--", command);
        command = this.opts.prlimit;
      }
      const jobCgroup = cgroup;
      return await superviseChild({
        command,
        args,
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        timeLimitMs: req.maxDurationSeconds * 1000,
        killGraceMs: this.opts.killGraceMs ?? 3000,
        maxOutputBytes: this.opts.maxOutputBytes,
        onOutput: req.onOutput,
        signal: req.signal,
        uid: dropToNobody ? SANDBOX_UID : undefined,
        gid: dropToNobody ? SANDBOX_GID : undefined,
        beforeStart: jobCgroup ? (pid) => jobCgroup.join(pid) : undefined,
        // Anything left in the cgroup (there should be nothing: the PID namespace died with bwrap).
        onKill: jobCgroup ? () => jobCgroup.destroy() : undefined,
      });
    } finally {
      await cgroup?.destroy().catch(() => undefined);
      await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
    }
  }
}

export async function createBwrapExecutor(
  opts: Omit<BwrapExecutorOptions, "bwrap" | "python" | "bash" | "cgroups" | "prlimit"> & { bwrap?: string },
): Promise<BwrapExecutor | null> {
  const bwrap = opts.bwrap ?? (await findExecutable("bwrap"));
  if (!bwrap) return null;
  const [python, cgroups, prlimit] = await Promise.all([
    findSandboxPython(),
    detectCgroupLayout(),
    findExecutable("prlimit"),
  ]);
  return new BwrapExecutor({
    ...opts,
    bwrap,
    python,
    bash: existsSync("/usr/bin/bash"),
    cgroups,
    prlimit,
  });
}

/** True when bwrap can build a sandbox here (user namespaces allowed, no AppArmor block). */
export async function bwrapWorks(bwrap: string): Promise<{ ok: boolean; error?: string }> {
  const asNobody = isRoot() ? ["--reuid", String(SANDBOX_UID), "--regid", String(SANDBOX_GID), "--clear-groups"] : null;
  const root = hostRootEntries().flatMap((e) =>
    "symlinkTo" in e ? ["--symlink", e.symlinkTo, `/${e.name}`] : ["--ro-bind", `/${e.name}`, `/${e.name}`],
  );
  const probe = ["--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr", ...root, "--", "/usr/bin/true"];
  const setpriv = asNobody ? await findExecutable("setpriv") : null;
  const r =
    asNobody && setpriv
      ? await runCommand(setpriv, [...asNobody, bwrap, ...probe], { timeoutMs: 10_000 })
      : await runCommand(bwrap, probe, { timeoutMs: 10_000 });
  return r.ok ? { ok: true } : { ok: false, error: (r.stderr || r.stdout).trim().slice(0, 300) };
}
