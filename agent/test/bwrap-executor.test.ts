import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildBwrapArgs, SANDBOX_UID } from "../src/executor/bwrap-args";
import { BwrapExecutor, createBwrapExecutor, nvidiaDeviceNodes } from "../src/executor/bwrap-executor";
import { parseMemorySize } from "../src/executor/cgroup";
import { runSelfTest } from "../src/executor/self-test";
import type { ExecutionRequest } from "../src/executor/types";
import { sigkillMidJob } from "./helpers/kill-mid-job";
import { waitUntil } from "./helpers/processes";
import { tempDir } from "./helpers/temp-dir";

const haveBwrap = existsSync("/usr/bin/bwrap");
if (!haveBwrap) console.warn("\n!!! bwrap is not installed: the bwrap executor tests are SKIPPED !!!\n");
const mustRun = process.env.COMPUTESWARM_REQUIRE_SANDBOXES === "1";

const job = (over: Partial<ExecutionRequest>): ExecutionRequest => ({
  jobId: "00000000-0000-4000-8000-000000000002",
  jobType: "python",
  script: "",
  maxDurationSeconds: 30,
  ...over,
});

describe("buildBwrapArgs", () => {
  const spec = {
    jobType: "python" as const,
    workdir: "/w/work",
    passwdFile: "/w/passwd",
    groupFile: "/w/group",
    rootEntries: [{ name: "bin", symlinkTo: "usr/bin" }],
    python: "/usr/bin/python3",
    extraReadOnly: [],
    gpuDevices: [],
    allowNetwork: false,
    env: {},
  };

  it("unshares everything, drops all capabilities, runs as 65534 and clears the environment", () => {
    const args = buildBwrapArgs(spec);
    for (const flag of ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--cap-drop"])
      expect(args).toContain(flag);
    expect(args).not.toContain("--share-net");
    expect(args.join(" ")).toContain("--ro-bind /usr /usr");
    expect(args.join(" ")).toContain(`--uid ${SANDBOX_UID} --gid ${SANDBOX_UID}`);
    expect(args.join(" ")).toContain("--bind /w/work /work --chdir /work");
    expect(args.slice(-3)).toEqual(["/usr/bin/python3", "-u", "script.py"]);
    expect(args).not.toContain("/sys");
    // No host /etc wholesale: only listed entries.
    expect(args.filter((a) => a === "/etc")).toEqual([]);
  });

  it("binds only the given GPU device nodes and /sys read-only on a GPU node", () => {
    const args = buildBwrapArgs({ ...spec, gpuDevices: ["/dev/nvidia1", "/dev/nvidiactl"] }).join(" ");
    expect(args).toContain("--dev-bind /dev/nvidia1 /dev/nvidia1 --dev-bind /dev/nvidiactl /dev/nvidiactl");
    expect(args).toContain("--ro-bind /sys /sys");
    expect(args.indexOf("--dev /dev")).toBeLessThan(args.indexOf("--dev-bind"));
  });

  it("picks the node's own GPU device nodes, never another GPU's", () => {
    const dev = tempDir("cs-dev-");
    for (const n of ["nvidia0", "nvidia1", "nvidia2", "nvidiactl", "nvidia-uvm", "null"])
      writeFileSync(`${dev}/${n}`, "");
    expect(nvidiaDeviceNodes([1], dev).map((p) => p.slice(dev.length + 1))).toEqual([
      "nvidia1",
      "nvidia-uvm",
      "nvidiactl",
    ]);
    expect(nvidiaDeviceNodes([], dev)).toEqual([]);
  });

  it("parses docker-style memory sizes", () => {
    expect(parseMemorySize("16g")).toBe(16 * 1024 ** 3);
    expect(parseMemorySize("512m")).toBe(512 * 1024 ** 2);
    expect(() => parseMemorySize("lots")).toThrow();
  });
});

describe.skipIf(!haveBwrap && !mustRun)("bwrap executor (real bubblewrap)", () => {
  let executor: BwrapExecutor;
  let workRoot: string;
  const leftovers: number[] = [];

  beforeAll(async () => {
    workRoot = tempDir("cs-bwrap-test-");
    const created = await createBwrapExecutor({
      limits: { memoryBytes: 512 * 1024 ** 2, pids: 256, cpus: 1 },
      gpuDevices: [],
      gpuEnv: {},
      allowNetwork: false,
      maxOutputBytes: 1024 * 1024,
      workRoot,
      killGraceMs: 500,
    });
    expect(created, "bwrap must be installed").not.toBeNull();
    executor = created!;
  });

  afterEach(() => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone, as it should be */
      }
    }
  });

  it("passes every escape canary of the self-test", async () => {
    const report = await runSelfTest(executor, tempDir("cs-bwrap-canary-"));
    expect(report.error).toBeUndefined();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 60_000);

  it("runs python and shell jobs as uid 65534 with no network and no host files", async () => {
    const r = await executor.run(
      job({
        script: [
          "import os, socket",
          "print('uid', os.getuid(), 'cwd', os.getcwd())",
          "print('etc', sorted(os.listdir('/etc')))",
          "print('root', os.path.exists('/root'), 'shadow', os.path.exists('/etc/shadow'))",
          "try:\n    socket.create_connection(('127.0.0.1', 5432), timeout=2); print('pg reachable')",
          "except OSError as e:\n    print('pg blocked')",
          "print('pids', len([p for p in os.listdir('/proc') if p.isdigit()]))",
          "open('out.txt', 'w').write('x')",
        ].join("\n"),
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain("uid 65534 cwd /work");
    expect(r.output).toContain("root False shadow False");
    expect(r.output).toContain("pg blocked");
    expect(r.output).not.toMatch(/'(shadow|hostname|environment)'/);
    expect(Number(/pids (\d+)/.exec(r.output)![1])).toBeLessThanOrEqual(3);
    const sh = await executor.run(job({ jobType: "shell", script: 'echo "in $PWD as $(id -u)"; ls /home 2>&1\n' }));
    expect(sh.output).toMatch(/^in \/work as 65534/);
    expect(sh.output).toMatch(/No such file/);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it("carries NUL bytes and invalid UTF-8 exactly (base64) and as safe text", async () => {
    const r = await executor.run(job({ script: "import sys\nsys.stdout.buffer.write(b'ok\\x00\\xff\\xfe end\\n')\n" }));
    expect(r.exitCode).toBe(0);
    expect(Buffer.from(r.outputBase64!, "base64")).toEqual(
      Buffer.from([0x6f, 0x6b, 0, 0xff, 0xfe, 0x20, 0x65, 0x6e, 0x64, 0x0a]),
    );
    expect(r.output).toBe("ok\u2400\ufffd\ufffd end\n");
  });

  it("caps memory: a job over its limit is killed (137)", async () => {
    const r = await executor.run(
      job({ script: "b = b'x' * (600 * 1024 * 1024)\nprint('allocated')\n", limits: { memoryBytes: 64 * 1024 ** 2 } }),
    );
    expect(r.output).not.toContain("allocated");
    expect(r.exitCode).toBe(137);
  });

  it("contains a fork bomb within seconds", async () => {
    const started = Date.now();
    const r = await executor.run(
      job({
        jobType: "shell",
        maxDurationSeconds: 5,
        limits: { pids: 32 },
        script: "bomb() { bomb | bomb & }; bomb; sleep 2; echo survived\n",
      }),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.exitCode).not.toBeNull();
  }, 30_000);

  it("kills setsid and double-forked children at the time limit", async () => {
    const started = Date.now();
    const r = await executor.run(
      job({
        maxDurationSeconds: 1,
        script: [
          "import os, subprocess, sys, time",
          "p = subprocess.Popen(['sleep', '301'], start_new_session=True)",
          "if os.fork() == 0:",
          "    os.setsid()",
          "    if os.fork() == 0:",
          "        os.execvp('sleep', ['sleep', '302'])",
          "    os._exit(0)",
          "print('started', flush=True)",
          "time.sleep(300)",
        ].join("\n"),
      }),
    );
    expect(r.timedOut).toBe(true);
    expect(r.output).toContain("started");
    expect(Date.now() - started).toBeLessThan(8000);
    const { pidsWithArgument } = await import("../src/executor/self-test");
    expect(await waitUntil(() => pidsWithArgument("301").length + pidsWithArgument("302").length === 0)).toBe(true);
  });

  it("leaves nothing behind when the script exits with a background child", async () => {
    const r = await executor.run(job({ jobType: "shell", script: "setsid sleep 303 &\nexit 0\n" }));
    expect(r.exitCode, r.output).toBe(0);
    const { pidsWithArgument } = await import("../src/executor/self-test");
    expect(await waitUntil(() => pidsWithArgument("303").length === 0)).toBe(true);
  });

  it("a SIGKILLed agent takes its whole job with it (nothing survives)", async () => {
    await sigkillMidJob({
      kind: "bwrap",
      options: {
        limits: { memoryBytes: 64 * 1024 ** 2, pids: 32, cpus: 1 },
        gpuDevices: [],
        gpuEnv: {},
        allowNetwork: false,
        maxOutputBytes: 10_000,
      },
      job: {
        jobId: "00000000-0000-4000-8000-000000000003",
        jobType: "shell",
        script: "setsid sleep 321 & (sleep 322 &) ; echo ready; sleep 323\n",
        maxDurationSeconds: 300,
      },
    });
    const { pidsWithArgument } = await import("../src/executor/self-test");
    expect(await waitUntil(() => ["321", "322", "323"].every((marker) => pidsWithArgument(marker).length === 0))).toBe(
      true,
    );
  }, 30_000);

  it("stops the job when the abort signal fires", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await executor.run(job({ jobType: "shell", script: "sleep 300\n", signal: ac.signal }));
    expect(r.aborted).toBe(true);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it("runs the job as uid 65534 on the host too, not as the agent's root", async () => {
    let hostUid: string | undefined;
    const { pidsWithArgument } = await import("../src/executor/self-test");
    const r = await executor.run(
      job({
        jobType: "shell",
        script: "sleep 304 & echo ready; wait\n",
        onOutput: (_s, text) => {
          if (!text.includes("ready")) return;
          void waitUntil(() => pidsWithArgument("304").length > 0).then(() => {
            const pid = pidsWithArgument("304")[0]!;
            hostUid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
            process.kill(pid, "SIGKILL");
          });
        },
      }),
    );
    expect(r.output).toContain("ready");
    expect(hostUid).toBe(process.getuid?.() === 0 ? String(SANDBOX_UID) : String(process.getuid?.()));
  });
});
