import type { JobType } from "@computeswarm/protocol";
import { scriptFileName } from "./script-file";

/** nobody:nogroup: the uid/gid jobs run as inside every sandbox (docker, bwrap, and process when root). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** Top-level host dirs that merged-/usr systems make symlinks into /usr (else bound read-only). */
export type RootEntry = { name: string; symlinkTo: string } | { name: string; dir: true };

/** The only host /etc entries a job sees: what Python, SSL and the dynamic linker need. */
export const ETC_ALLOWLIST = [
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/alternatives",
  "/etc/localtime",
  "/etc/mime.types",
] as const;

export interface BwrapSpec {
  jobType: JobType;
  /** Host dir mounted read-write at /work (the job's script and files). */
  workdir: string;
  /** Host files with the sandbox's own passwd/group lines. */
  passwdFile: string;
  groupFile: string;
  rootEntries: RootEntry[];
  /** Absolute python3 inside the sandbox, and host dirs it needs read-only (a venv, conda, pyenv outside /usr). */
  python: string;
  extraReadOnly: string[];
  /** Device nodes of the node's GPUs (/dev/nvidia0, /dev/nvidiactl, ...); empty on CPU nodes. */
  gpuDevices: string[];
  allowNetwork: boolean;
  /** GPU selection variables passed through (CUDA_VISIBLE_DEVICES...). */
  env: Record<string, string>;
}

/** The `bwrap` argument list for one job; pure, so tests can check every flag without running it. */
export function buildBwrapArgs(s: BwrapSpec): string[] {
  const args = ["--unshare-all"];
  if (s.allowNetwork) args.push("--share-net");
  args.push("--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr");
  for (const e of s.rootEntries) {
    if ("symlinkTo" in e) args.push("--symlink", e.symlinkTo, `/${e.name}`);
    else args.push("--ro-bind", `/${e.name}`, `/${e.name}`);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const p of ETC_ALLOWLIST) args.push("--ro-bind-try", p, p);
  args.push("--ro-bind", s.passwdFile, "/etc/passwd", "--ro-bind", s.groupFile, "/etc/group");
  for (const dir of s.extraReadOnly) args.push("--ro-bind", dir, dir);
  if (s.gpuDevices.length > 0) {
    // CUDA opens the device nodes and reads /sys (PCI topology) at init.
    for (const dev of s.gpuDevices) args.push("--dev-bind", dev, dev);
    args.push("--ro-bind", "/sys", "/sys");
  }
  args.push("--bind", s.workdir, "/work", "--chdir", "/work", "--clearenv");
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/work",
    TMPDIR: "/tmp",
    LANG: "C.UTF-8",
    PYTHONUNBUFFERED: "1",
    ...s.env,
  };
  if (!s.python.startsWith("/usr/")) env.PATH = `${s.python.slice(0, s.python.lastIndexOf("/"))}:${env.PATH}`;
  for (const [k, v] of Object.entries(env)) args.push("--setenv", k, v);
  args.push("--uid", String(SANDBOX_UID), "--gid", String(SANDBOX_GID), "--cap-drop", "ALL", "--");
  const file = scriptFileName(s.jobType);
  args.push(...(s.jobType === "python" ? [s.python, "-u", file] : ["/bin/bash", file]));
  return args;
}

export const SANDBOX_PASSWD = `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nnobody:x:${SANDBOX_UID}:${SANDBOX_GID}:nobody:/work:/bin/bash\n`;
export const SANDBOX_GROUP = `root:x:0:\nnogroup:x:${SANDBOX_GID}:\n`;
