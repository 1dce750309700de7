import { mkdir, readdir, writeFile, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prepareWorkRoot } from "../src/executor/workRoot";
import { tempDir } from "./helpers/tempDir";

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
