import path from "node:path";
import { parseSettings, startSettingsSchema } from "../config/settings";
import { bwrapWorks } from "../executor/bwrap-executor";
import { detectCgroupLayout } from "../executor/cgroup";
import { dockerWorks } from "../executor/docker-executor";
import { selectExecutor } from "../executor/select-executor";
import { formatSelfTest, runSelfTest } from "../executor/self-test";
import { detectGpus } from "../gpu/detect-gpus";
import { findExecutable } from "../util/find-executable";
import { errorMessage } from "../util/logger";
import type { CommandContext } from "./context";

/**
 * `doctor`: which sandboxes this machine has, which one `start` would pick,
 * and the same self-test canary `start` runs before accepting work. Exit 0
 * when `start` would accept work with a sandbox that passed.
 */
export async function doctorCommand(ctx: CommandContext): Promise<number> {
  const out = (line: string) => ctx.io.stdout(`${line}\n`);
  const s = parseSettings(startSettingsSchema, { marketplace: "http://unused.invalid", ...ctx.values });
  const bwrap = await findExecutable("bwrap");
  const bwrapState = bwrap ? await bwrapWorks(bwrap) : { ok: false, error: "not installed" };
  const cgroups = await detectCgroupLayout();
  out(`docker:  ${(await dockerWorks()) ? "daemon reachable" : "no daemon reachable"}`);
  out(`bwrap:   ${bwrap ? (bwrapState.ok ? `works (${bwrap})` : `FAILS: ${bwrapState.error}`) : "not installed"}`);
  out(
    `cgroups: ${cgroups ? `v${cgroups.version}, writable: job memory/pids/cpu limits enforced` : "none writable: bwrap memory NOT capped"}`,
  );
  const { gpuInfo } = await detectGpus();
  let executor;
  try {
    executor = await selectExecutor(s, {
      nodeId: ctx.io.env.COMPUTESWARM_NODE_ID || ctx.fileConfig.nodeId || "doctor",
      gpuCount: gpuInfo.gpuCount,
    });
  } catch (err) {
    out(`executor: none: ${errorMessage(err)}`);
    return 1;
  }
  out(`executor: ${executor.kind} (job types: ${executor.supportedJobTypes().join(", ") || "none"})`);
  const report = await runSelfTest(executor, path.dirname(ctx.configPath));
  out(formatSelfTest(report));
  if (executor.kind === "process")
    out("the process executor is not a sandbox: start runs it only with --allow-unsandboxed");
  return report.ok ? 0 : 1;
}
