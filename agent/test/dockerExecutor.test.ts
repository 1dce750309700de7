import { describe, expect, it } from "vitest";
import { buildDockerRunArgs, containerNameFor, pickImage, type DockerRunSpec } from "../src/executor/dockerArgs";
import { DockerExecutor } from "../src/executor/dockerExecutor";
import { chooseExecutorKind } from "../src/executor/selectExecutor";

const spec: DockerRunSpec = {
  containerName: "computeswarm-job-j1",
  jobId: "j1",
  jobType: "python",
  image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
  workdir: "/tmp/computeswarm-job-abc",
  gpus: true,
  allowNetwork: false,
  memory: "16g",
  cpus: 8,
  pidsLimit: 1024,
  user: "1000:1000",
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
      "computeswarm.job=j1",
      "--init",
      "--gpus",
      "all",
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
      "1000:1000",
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
      "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
      "python3",
      "-u",
      "script.py",
    ]);
  });

  it("runs shell jobs with bash", () => {
    expect(buildDockerRunArgs({ ...spec, jobType: "shell" }).slice(-3)).toEqual([spec.image, "bash", "script.sh"]);
  });

  it("omits --gpus on a CPU-only node and the network ban when the seller allows network", () => {
    const args = buildDockerRunArgs({ ...spec, gpus: false, allowNetwork: true });
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

  it("omits --user when unknown", () => {
    expect(buildDockerRunArgs({ ...spec, user: undefined })).not.toContain("--user");
  });
});

describe("pickImage / containerNameFor", () => {
  it("uses the first allowed image by default and only allowed images", () => {
    expect(pickImage(["a:1", "b:2"])).toBe("a:1");
    expect(pickImage(["a:1", "b:2"], "b:2")).toBe("b:2");
    expect(() => pickImage(["a:1"], "evil:latest")).toThrow(/not in this node's allowlist/);
    expect(() => pickImage([])).toThrow(/--image-allowlist/);
  });
  it("makes safe container names", () => {
    expect(containerNameFor("0f9a-1/../x y")).toBe("computeswarm-job-0f9a-1_.._x_y");
  });
});

describe("docker executor", () => {
  it("supports python and shell", () => {
    const e = new DockerExecutor({
      imageAllowlist: ["img"],
      gpus: false,
      allowNetwork: false,
      memory: "1g",
      cpus: 1,
      pidsLimit: 64,
      maxOutputBytes: 1000,
    });
    expect(e.supportedJobTypes()).toEqual(["python", "shell"]);
    expect(e.kind).toBe("docker");
  });
});

describe("chooseExecutorKind", () => {
  const base = { dockerWorks: true, imageAllowlist: ["img"], allowUnsandboxed: false };
  it("picks docker automatically when docker works and images are allowed", () => {
    expect(chooseExecutorKind(base)).toEqual({ kind: "docker" });
  });
  it("falls back to process only with --allow-unsandboxed", () => {
    expect(chooseExecutorKind({ ...base, dockerWorks: false, allowUnsandboxed: true })).toEqual({ kind: "process" });
    expect(chooseExecutorKind({ ...base, imageAllowlist: [], allowUnsandboxed: true })).toEqual({ kind: "process" });
    const refused = chooseExecutorKind({ ...base, dockerWorks: false });
    expect("error" in refused && refused.error).toMatch(/UNSANDBOXED, as this user .*--allow-unsandboxed/);
  });
  it("honours --executor process only with --allow-unsandboxed", () => {
    expect(chooseExecutorKind({ ...base, requested: "process" })).toHaveProperty("error");
    expect(chooseExecutorKind({ ...base, requested: "process", allowUnsandboxed: true })).toEqual({ kind: "process" });
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
