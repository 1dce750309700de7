import type { StartSettings } from "../config/settings";
import { UsageError } from "../config/option-specs";
import type { Logger } from "../util/logger";
import { BwrapExecutor } from "./bwrap-executor";
import { DockerExecutor } from "./docker-executor";
import { selectExecutor, type SelectExecutorOptions } from "./select-executor";
import { formatSelfTest, runSelfTest } from "./self-test";
import type { Executor } from "./types";

/**
 * The executor `start` accepts work with: chosen (docker > bwrap > process),
 * cleaned of an earlier run's containers, and proven by the self-test canary.
 * A sandbox that fails any canary check is refused: the agent does not start.
 */
export async function prepareExecutor(
  settings: StartSettings,
  o: SelectExecutorOptions & { canaryDir: string; logger: Logger },
): Promise<Executor> {
  const { logger } = o;
  const executor = await selectExecutor(settings, o);
  if (executor.supportedJobTypes().length === 0)
    throw new UsageError(`this machine can run no job type in the ${executor.kind} executor: no python3 and no bash`);
  if (executor instanceof DockerExecutor) {
    const swept = await executor.sweepOrphans();
    if (swept > 0) logger.warn("removed job containers left by an earlier run that died mid-job", { count: swept });
  }
  if (executor instanceof BwrapExecutor) {
    const warning = executor.limitsWarning();
    if (warning) logger.warn(warning);
  }
  if (executor.kind === "process") {
    // The seller opted in; the canary would only confirm what the flag says.
    logger.warn("process executor: jobs run UNSANDBOXED (seller opted in with --allow-unsandboxed)");
    return executor;
  }
  const report = await runSelfTest(executor, o.canaryDir);
  if (!report.ok)
    throw new UsageError(
      `${formatSelfTest(report)}\nrefusing to accept jobs: this ${executor.kind} sandbox does not contain a job (see \`computeswarm-agent doctor\`)`,
    );
  logger.info("sandbox self-test passed", { executor: executor.kind, checks: report.checks.map((c) => c.name) });
  return executor;
}
