import path from "node:path";
import { UsageError } from "../config/option-specs";
import { parseSettings, startSettingsSchema } from "../config/settings";
import { prepareExecutor } from "../executor/prepare-executor";
import { prepareWorkRoot } from "../executor/work-root";
import { currentGpuUtilization, detectGpus } from "../gpu/detect-gpus";
import { MarketplaceClient } from "../marketplace/client";
import { Agent } from "../runner/agent";
import { ResultSpool, spoolDirFor } from "../runner/result-spool";
import type { CommandContext } from "./context";

/** `start`: run until SIGTERM/SIGINT; resolves once the agent has stopped cleanly. */
export async function startCommand(ctx: CommandContext): Promise<void> {
  const { logger, io } = ctx;
  const s = parseSettings(startSettingsSchema, ctx.values);
  const nodeId = io.env.COMPUTESWARM_NODE_ID || ctx.fileConfig.nodeId;
  const agentToken = io.env.COMPUTESWARM_AGENT_TOKEN || ctx.fileConfig.agentToken;
  if (!nodeId || !agentToken) {
    throw new UsageError(
      `not registered: no node id/token in ${ctx.configPath}; run \`computeswarm-agent register\` first`,
    );
  }

  const { gpuInfo, warnings } = await detectGpus();
  for (const w of warnings) logger.warn(w);
  const workRoot = await prepareWorkRoot(nodeId);
  if (workRoot.removedStale > 0)
    logger.warn("removed work dirs left by an earlier run that died mid-job", {
      count: workRoot.removedStale,
      workRoot: workRoot.dir,
    });
  const executor = await prepareExecutor(s, {
    nodeId,
    gpuCount: gpuInfo.gpuCount,
    workRoot: workRoot.dir,
    canaryDir: path.dirname(ctx.configPath),
    logger,
  });

  const agent = new Agent({
    nodeId,
    client: new MarketplaceClient({ baseUrl: s.marketplace, agentToken }),
    executor,
    spool: new ResultSpool(spoolDirFor(ctx.configPath, nodeId)),
    logger,
    heartbeatIntervalMs: s.heartbeatInterval * 1000,
    pollWaitSeconds: s.pollWait,
    shutdownGraceMs: s.shutdownGrace * 1000,
    gpuUtilization: gpuInfo.gpuCount > 0 ? () => currentGpuUtilization() : undefined,
  });
  const onSignal = (signal: NodeJS.Signals) => agent.shutdown(signal);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  logger.info("connecting", {
    marketplace: s.marketplace,
    nodeId,
    gpu: gpuInfo.model,
    gpuCount: gpuInfo.gpuCount,
    heartbeatSeconds: s.heartbeatInterval,
    pollWaitSeconds: s.pollWait,
  });
  try {
    await agent.run();
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
