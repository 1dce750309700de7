import { mkdir, readdir, writeFile, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prepareWorkRoot } from "../src/executor/work-root";
import { tempDir } from "./helpers/temp-dir";

describe("prepareWorkRoot", () => {
  it("makes a 0700 dir per node and clears job dirs a dead earlier run left behind", async () => {
    const base = tempDir("cs-workroot-");
    const first = await prepareWorkRoot("node/1", base);
    expect(first).toEqual({ dir: path.join(base, "computeswarm-agent-node_1"), removedStale: 0 });
    expect((await stat(first.dir)).mode & 0o777).toBe(0o700);
    await mkdir(path.join(first.dir, "computeswarm-job-abc"));
    await writeFile(path.join(first.dir, "computeswarm-job-abc", "script.py"), "print(1)");
    await writeFile(path.join(first.dir, "unrelated.txt"), "keep");
    expect((await prepareWorkRoot("node/1", base)).removedStale).toBe(1);
    expect(await readdir(first.dir)).toEqual(["unrelated.txt"]);
  });
});

describe("jobDirBase", () => {
  it("never changes the mode of the work root itself (which may be /tmp), only of its own subdir", async () => {
    const { jobDirBase } = await import("../src/executor/work-root");
    const { statSync, chmodSync } = await import("node:fs");
    const root = tempDir("cs-jobbase-");
    chmodSync(root, 0o1777);
    const base = await jobDirBase(root, () => true);
    expect(base).toBe(`${root}/computeswarm-sandbox-jobs`);
    expect(statSync(root).mode & 0o7777).toBe(0o1777);
    expect(statSync(base).mode & 0o777).toBe(0o711);
    expect(await jobDirBase(root, () => false)).toBe("/tmp/computeswarm-sandbox-jobs");
    expect(statSync("/tmp").mode & 0o7777).toBe(0o1777);
  });
});
