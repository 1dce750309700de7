import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDockerRunArgs,
  containerNameFor,
  parsePinnedImage,
  pickImage,
  type DockerRunSpec,
} from "../src/executor/docker-args";
import { DockerExecutor, NVIDIA_TOOLKIT_MISSING, dockerWorks } from "../src/executor/docker-executor";
import { chooseExecutorKind } from "../src/executor/select-executor";
import { runSelfTest } from "../src/executor/self-test";
import type { ExecutionRequest } from "../src/executor/types";
import { runCommand } from "../src/util/run-command";
import { sigkillMidJob } from "./helpers/kill-mid-job";
import { tempDir } from "./helpers/temp-dir";

const spec: DockerRunSpec = {
  containerName: "computeswarm-job-j1",
  jobId: "j1",
  nodeId: "n1",
  jobType: "python",
  image: "sha256:" + "a".repeat(64),
  workdir: "/tmp/computeswarm-job-abc",
  gpuIndexes: [1, 3],
  allowNetwork: false,
  memory: "16g",
  cpus: 8,
  pidsLimit: 1024,
};

/** The value right after `flag` in an argument list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("buildDockerRunArgs", () => {
  it("builds a locked-down docker run for a python job on a GPU node", () => {
    expect(buildDockerRunArgs(spec)).toEqual([
      "run",
      "--rm",
      "--name",
      "computeswarm-job-j1",
      "--label",
      "computeswarm.node=n1",
      "--label",
      "computeswarm.job=j1",
      "--init",
      "--gpus",
      '"device=1,3"',
      "--network",
      "none",
      "--memory",
      "16g",
      "--memory-swap",
      "16g",
      "--cpus",
      "8",
      "--pids-limit",
      "1024",
      "--read-only",
      "--tmpfs",
      "/tmp:rw,nosuid,nodev,size=1g",
      "--security-opt",
      "no-new-privileges",
      "--cap-drop",
      "ALL",
      "--user",
      "65534:65534",
      "-e",
      "HOME=/work",
      "-e",
      "TMPDIR=/tmp",
      "-e",
      "PYTHONUNBUFFERED=1",
      "-v",
      "/tmp/computeswarm-job-abc:/work",
      "-w",
      "/work",
      "sha256:" + "a".repeat(64),
      "python3",
      "-u",
      "script.py",
    ]);
  });

  it("runs shell jobs with bash", () => {
    expect(buildDockerRunArgs({ ...spec, jobType: "shell" }).slice(-3)).toEqual([spec.image, "bash", "script.sh"]);
  });

  it("omits --gpus on a CPU-only node and the network ban when the seller allows network", () => {
    const args = buildDockerRunArgs({ ...spec, gpuIndexes: [], allowNetwork: true });
    expect(args).not.toContain("--gpus");
    expect(args).not.toContain("--network");
  });

  it("puts the image after every option and the command after the image", () => {
    const args = buildDockerRunArgs(spec);
    const imageAt = args.indexOf(spec.image);
    expect(args.slice(0, imageAt).every((a) => a !== "python3")).toBe(true);
    expect(after(args, "-v")).toBe("/tmp/computeswarm-job-abc:/work");
    expect(after(args, "--pids-limit")).toBe("1024");
  });

  it("always runs as 65534, never as the agent's uid", () => {
    expect(after(buildDockerRunArgs(spec), "--user")).toBe("65534:65534");
  });
});

const DIGEST_A = "sha256:" + "1".repeat(64);
const DIGEST_B = "sha256:" + "2".repeat(64);

describe("pinned images / pickImage / containerNameFor", () => {
  const allowed = [parsePinnedImage(`a:1@${DIGEST_A}`), parsePinnedImage(`b/c:2@${DIGEST_B}`)];
  it("accepts only images pinned by digest", () => {
    expect(allowed[1]).toEqual({ ref: `b/c:2@${DIGEST_B}`, name: "b/c:2", digest: DIGEST_B });
    expect(() => parsePinnedImage("pytorch/pytorch:latest")).toThrow(/not pinned by digest/);
    expect(() => parsePinnedImage(`a:1@sha256:123`)).toThrow(/not pinned by digest/);
  });
  it("uses the first allowed image by default and only allowed images", () => {
    expect(pickImage(allowed).ref).toBe(`a:1@${DIGEST_A}`);
    expect(pickImage(allowed, `b/c:2@${DIGEST_B}`).name).toBe("b/c:2");
    expect(() => pickImage(allowed, `evil:latest@${DIGEST_A}`)).toThrow(/not in this node's allowlist/);
    expect(() => pickImage(allowed, "b/c:2")).toThrow(/not in this node's allowlist/);
    expect(() => pickImage([])).toThrow(/--image-allowlist/);
  });
  it("makes safe container names", () => {
    expect(containerNameFor("0f9a-1/../x y")).toBe("computeswarm-job-0f9a-1_.._x_y");
  });
});

describe("chooseExecutorKind", () => {
  const base = { dockerWorks: true, bwrapProblem: null, imageAllowlist: ["img"], allowUnsandboxed: false };
  it("picks docker automatically when docker works and images are allowed", () => {
    expect(chooseExecutorKind(base)).toEqual({ kind: "docker" });
  });
  it("picks bwrap when docker is not usable", () => {
    expect(chooseExecutorKind({ ...base, dockerWorks: false })).toEqual({ kind: "bwrap" });
    expect(chooseExecutorKind({ ...base, imageAllowlist: [], allowUnsandboxed: true })).toEqual({ kind: "bwrap" });
  });
  it("falls back to process only with --allow-unsandboxed when there is no sandbox", () => {
    const none = { ...base, dockerWorks: false, bwrapProblem: "bubblewrap is not installed" };
    expect(chooseExecutorKind({ ...none, allowUnsandboxed: true })).toEqual({ kind: "process" });
    const refused = chooseExecutorKind(none);
    expect("error" in refused && refused.error).toMatch(
      /bubblewrap is not installed.*UNSANDBOXED.*--allow-unsandboxed/,
    );
  });
  it("honours --executor process only with --allow-unsandboxed, and --executor bwrap only where it works", () => {
    expect(chooseExecutorKind({ ...base, requested: "process" })).toHaveProperty("error");
    expect(chooseExecutorKind({ ...base, requested: "process", allowUnsandboxed: true })).toEqual({ kind: "process" });
    expect(chooseExecutorKind({ ...base, requested: "bwrap" })).toEqual({ kind: "bwrap" });
    expect(chooseExecutorKind({ ...base, requested: "bwrap", bwrapProblem: "no userns" })).toEqual({
      error: "--executor bwrap: no userns",
    });
  });
  it("refuses --executor docker without docker or without an allowlist", () => {
    expect(chooseExecutorKind({ ...base, requested: "docker", dockerWorks: false })).toEqual({
      error: expect.stringMatching(/docker info/),
    });
    expect(chooseExecutorKind({ ...base, requested: "docker", imageAllowlist: [] })).toEqual({
      error: expect.stringMatching(/--image-allowlist/),
    });
    expect(chooseExecutorKind({ ...base, requested: "docker", allowUnsandboxed: true })).toEqual({ kind: "docker" });
  });
});

// Real daemon: .ci/run starts one (scripts/test-dockerd.sh) and sets COMPUTESWARM_REQUIRE_SANDBOXES=1,
// which turns a missing daemon into a failure instead of a skip.
const testImage = process.env.COMPUTESWARM_TEST_IMAGE;
const daemon = await dockerWorks();
const mustRun = process.env.COMPUTESWARM_REQUIRE_SANDBOXES === "1";
if (!(daemon && testImage) && !mustRun)
  console.warn(
    "\n!!! no docker daemon or COMPUTESWARM_TEST_IMAGE (see scripts/test-dockerd.sh): the real docker executor tests are SKIPPED !!!\n",
  );

describe.skipIf(!(daemon && testImage) && !mustRun)("docker executor on a real daemon", () => {
  const nodeId = `test-${randomUUID()}`;
  let executor: DockerExecutor;
  const job = (over: Partial<ExecutionRequest>): ExecutionRequest => ({
    jobId: randomUUID(),
    jobType: "python",
    script: "",
    maxDurationSeconds: 30,
    ...over,
  });
  const containersOfNode = async () =>
    (await runCommand("docker", ["ps", "-aq", "--filter", `label=computeswarm.node=${nodeId}`])).stdout
      .split("\n")
      .filter(Boolean);

  beforeAll(() => {
    expect(daemon, "a docker daemon must be reachable (DOCKER_HOST)").toBe(true);
    expect(testImage, "COMPUTESWARM_TEST_IMAGE must name the test image").toBeTruthy();
    executor = new DockerExecutor({
      nodeId,
      imageAllowlist: [parsePinnedImage(testImage!)],
      gpuIndexes: [],
      allowNetwork: false,
      limits: { memoryBytes: 256 * 1024 ** 2, pids: 128, cpus: 1 },
      maxOutputBytes: 1024 * 1024,
      workRoot: tempDir("cs-docker-test-"),
      killGraceMs: 1000,
    });
  });
  afterAll(async () => {
    const left = await containersOfNode();
    if (left.length) await runCommand("docker", ["rm", "-f", ...left]);
  });

  it("passes every escape canary of the self-test", async () => {
    const report = await runSelfTest(executor, tempDir("cs-docker-canary-"));
    expect(report.error).toBeUndefined();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  }, 60_000);

  it("runs the job as 65534 in its work dir and removes the container", async () => {
    const r = await executor.run(
      job({ script: "import os\nprint('uid', os.getuid(), os.getgid(), os.getcwd())\nopen('x', 'w').write('1')\n" }),
    );
    expect(r.output.trim()).toBe("uid 65534 65534 /work");
    expect(r.exitCode).toBe(0);
    expect(await containersOfNode()).toEqual([]);
  });

  it("caps memory (137) and contains a fork bomb within seconds", async () => {
    const mem = await executor.run(
      job({ script: "b = b'x' * (600 * 1024 * 1024)\nprint('allocated')\n", limits: { memoryBytes: 64 * 1024 ** 2 } }),
    );
    expect(mem.output).not.toContain("allocated");
    expect(mem.exitCode).toBe(137);
    const started = Date.now();
    const bomb = await executor.run(
      job({
        jobType: "shell",
        maxDurationSeconds: 5,
        limits: { pids: 32 },
        script: "bomb() { bomb | bomb & }; bomb; sleep 2; echo survived\n",
      }),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(bomb.exitCode).not.toBeNull();
    expect(await containersOfNode()).toEqual([]);
  }, 40_000);

  it("kills setsid and double-forked children at the time limit", async () => {
    const r = await executor.run(
      job({
        maxDurationSeconds: 2,
        script: [
          "import os, subprocess, time",
          "subprocess.Popen(['sleep', '311'], start_new_session=True)",
          "if os.fork() == 0:",
          "    os.setsid()",
          "    if os.fork() == 0:",
          "        os.execvp('sleep', ['sleep', '312'])",
          "    os._exit(0)",
          "print('started', flush=True)",
          "time.sleep(300)",
        ].join("\n"),
      }),
    );
    expect(r.timedOut).toBe(true);
    expect(r.output).toContain("started");
    const { pidsWithArgument } = await import("../src/executor/self-test");
    expect(pidsWithArgument("311")).toEqual([]);
    expect(pidsWithArgument("312")).toEqual([]);
    expect(await containersOfNode()).toEqual([]);
  }, 30_000);

  it("refuses an image the node did not allow, and an allowed image whose digest is not on the node", async () => {
    await expect(executor.run(job({ script: "print(1)", image: `busybox:latest@${DIGEST_A}` }))).rejects.toThrow(
      /not in this node's allowlist/,
    );
    const wrongDigest = new DockerExecutor({
      ...(executor as unknown as { opts: ConstructorParameters<typeof DockerExecutor>[0] }).opts,
      imageAllowlist: [parsePinnedImage(`${testImage!.split("@")[0]}@${DIGEST_B}`)],
    });
    await expect(wrongDigest.run(job({ script: "print(1)" }))).rejects.toThrow(/is not on this node/);
  });

  it("says the NVIDIA toolkit is missing when --gpus cannot work", async () => {
    const gpu = new DockerExecutor({
      ...(executor as unknown as { opts: ConstructorParameters<typeof DockerExecutor>[0] }).opts,
      gpuIndexes: [0],
    });
    await expect(gpu.run(job({ script: "print(1)" }))).rejects.toThrow(NVIDIA_TOOLKIT_MISSING);
  });

  it("a SIGKILLed agent leaves its container running; the sweep at the next start removes it", async () => {
    await sigkillMidJob({
      kind: "docker",
      options: {
        nodeId,
        imageAllowlist: [testImage],
        gpuIndexes: [],
        allowNetwork: false,
        limits: { memoryBytes: 64 * 1024 ** 2, pids: 32, cpus: 1 },
        maxOutputBytes: 10_000,
      },
      job: { jobId: randomUUID(), jobType: "shell", script: "echo ready; sleep 300", maxDurationSeconds: 300 },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await containersOfNode()).toHaveLength(1); // docker itself kept it: the reason for the sweep
    expect(await executor.sweepOrphans()).toBe(1);
    expect(await containersOfNode()).toEqual([]);
  }, 60_000);
});
