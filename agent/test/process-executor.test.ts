import { readdir } from "node:fs/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProcessExecutor, createProcessExecutor } from "../src/executor/process-executor";
import { ExecutorError, type ExecutionRequest } from "../src/executor/types";
import { isAlive, waitUntil } from "./helpers/processes";
import { tempDir } from "./helpers/temp-dir";

let executor: ProcessExecutor;
let workRoot: string;
const leftovers: number[] = [];

beforeAll(async () => {
  workRoot = tempDir("cs-exec-test-");
  executor = await createProcessExecutor({ maxOutputBytes: 1024 * 1024, workRoot, killGraceMs: 500 });
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

const job = (over: Partial<ExecutionRequest>): ExecutionRequest => ({
  jobId: "00000000-0000-4000-8000-000000000001",
  jobType: "python",
  script: "",
  maxDurationSeconds: 30,
  ...over,
});

function pidsIn(output: string, label: string): number[] {
  return [...output.matchAll(new RegExp(`${label}=(\\d+)`, "g"))].map((m) => Number(m[1]));
}

describe("process executor", () => {
  it("supports python and shell on a machine with python3 and bash", () => {
    expect(executor.supportedJobTypes()).toEqual(["python", "shell"]);
  });

  it("runs a python script in a fresh temp dir and reports output and exit code", async () => {
    const streamed: string[] = [];
    const r = await executor.run(
      job({
        script:
          "import os, sys\nprint('hello from', os.getcwd())\nprint('oops', file=sys.stderr)\nopen('out.txt','w').write('x')\nsys.exit(3)\n",
        onOutput: (_s, t) => streamed.push(t),
      }),
    );
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
    expect(r.output).toMatch(/hello from .*computeswarm-job-/);
    expect(r.output).toMatch(/oops/);
    expect(streamed.join("")).toBe(r.output);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(await readdir(workRoot)).toEqual([]); // temp dir removed
  });

  it("runs shell scripts with bash", async () => {
    const r = await executor.run(job({ jobType: "shell", script: 'echo "$0 in $(basename "$PWD")"; exit 0\n' }));
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/^script\.sh in computeswarm-job-/);
  });

  it("kills the whole process tree at the time limit", async () => {
    const started = Date.now();
    const r = await executor.run(
      job({
        jobType: "shell",
        maxDurationSeconds: 1,
        // A child that spawns a grandchild; both would sleep far past the limit.
        script: 'bash -c \'sleep 300 & echo "GRANDCHILD=$!"; wait\' &\necho "CHILD=$!"\nsleep 300\n',
      }),
    );
    const grandchildren = pidsIn(r.output, "GRANDCHILD");
    const children = pidsIn(r.output, "CHILD");
    leftovers.push(...grandchildren, ...children);
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(128 + 15); // SIGTERM
    expect(Date.now() - started).toBeLessThan(8000);
    expect(grandchildren).toHaveLength(1);
    expect(await waitUntil(() => ![...grandchildren, ...children].some(isAlive))).toBe(true);
  });

  it("kills a python job's subprocesses at the time limit, SIGKILL if it ignores SIGTERM", async () => {
    const r = await executor.run(
      job({
        maxDurationSeconds: 1,
        script: [
          "import signal, subprocess, time",
          "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
          "p = subprocess.Popen(['sleep', '300'])",
          "print(f'GRANDCHILD={p.pid}', flush=True)",
          "time.sleep(300)",
        ].join("\n"),
      }),
    );
    const pids = pidsIn(r.output, "GRANDCHILD");
    leftovers.push(...pids);
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(128 + 9); // SIGKILL after the grace
    expect(pids).toHaveLength(1);
    expect(await waitUntil(() => !isAlive(pids[0]!))).toBe(true);
  });

  it("does not leave background processes behind when the script exits", async () => {
    const r = await executor.run(job({ jobType: "shell", script: 'sleep 300 &\necho "BG=$!"\nexit 0\n' }));
    const pids = pidsIn(r.output, "BG");
    leftovers.push(...pids);
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(await waitUntil(() => !isAlive(pids[0]!))).toBe(true);
  });

  it("stops the job when the abort signal fires", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await executor.run(job({ jobType: "shell", script: "sleep 300\n", signal: ac.signal }));
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it("caps output, keeps running, and says it was truncated", async () => {
    const small = new ProcessExecutor({ ...executorOptions(), maxOutputBytes: 1000 });
    let streamed = "";
    const r = await small.run(
      job({
        script:
          "import sys\nfor i in range(20000):\n    print('x' * 99)\nprint('done', file=sys.stderr)\nsys.exit(7)\n",
        onOutput: (_s, t) => (streamed += t),
      }),
    );
    expect(r.exitCode).toBe(7); // the job was not killed by the cap
    expect(r.outputTruncated).toBe(true);
    expect(r.output.startsWith("x".repeat(99))).toBe(true);
    expect(r.output).toContain("[output truncated at 1000 bytes]");
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(1000 + 64);
    expect(r.output).not.toContain("done");
    expect(streamed).toContain("[output truncated at 1000 bytes]");
  });

  it("caps output at 1 MB by default", async () => {
    const r = await executor.run(job({ script: "import sys\nsys.stdout.write('y' * (3 * 1024 * 1024))\n" }));
    expect(r.outputTruncated).toBe(true);
    expect(r.output.length).toBeLessThanOrEqual(1024 * 1024 + 64);
    expect(r.output).toMatch(/\[output truncated at 1048576 bytes\]\n$/);
  });

  it("gives the job a scrubbed environment: no seller key, no token, no other secrets", async () => {
    const saved = { ...process.env };
    process.env.COMPUTESWARM_PRIVATE_KEY = "0x" + "ab".repeat(32);
    process.env.COMPUTESWARM_AGENT_TOKEN = "tok_secret_value";
    process.env.AWS_SECRET_ACCESS_KEY = "aws-secret";
    process.env.CUDA_VISIBLE_DEVICES = "0,1";
    process.env.NVIDIA_VISIBLE_DEVICES = "all";
    try {
      const scrubbed = new ProcessExecutor({ ...executorOptions(), parentEnv: process.env });
      const r = await scrubbed.run(job({ script: "import os, json\nprint(json.dumps(dict(os.environ)))\n" }));
      const env = JSON.parse(r.output.trim().split("\n").pop()!) as Record<string, string>;
      const inherited = Object.keys(env).filter((k) => !["LC_CTYPE"].includes(k)); // python may add LC_CTYPE
      expect(inherited.sort()).toEqual([
        "CUDA_VISIBLE_DEVICES",
        "HOME",
        "LANG",
        "NVIDIA_VISIBLE_DEVICES",
        "PATH",
        "TMPDIR",
      ]);
      expect(env.HOME).toMatch(/computeswarm-job-/);
      expect(env.TMPDIR).toBe(env.HOME);
      expect(env.CUDA_VISIBLE_DEVICES).toBe("0,1");
      expect(r.output).not.toContain("tok_secret_value");
      expect(r.output).not.toContain("abababab");
      expect(r.output).not.toContain("aws-secret");
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it("fails with an ExecutorError when the interpreter is missing", async () => {
    const none = new ProcessExecutor({ ...executorOptions(), pythonPath: "/nonexistent/python3" });
    await expect(none.run(job({ script: "print(1)" }))).rejects.toBeInstanceOf(ExecutorError);
    const noPython = new ProcessExecutor({ ...executorOptions(), pythonPath: null });
    expect(noPython.supportedJobTypes()).toEqual(["shell"]);
    await expect(noPython.run(job({ script: "print(1)" }))).rejects.toThrow(/not supported/);
  });
});

function executorOptions() {
  return (executor as unknown as { opts: ConstructorParameters<typeof ProcessExecutor>[0] }).opts;
}
