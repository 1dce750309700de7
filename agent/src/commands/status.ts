import { parseSettings, statusSettingsSchema } from "../config/settings";
import { MarketplaceClient } from "../marketplace/client";
import { ResultSpool, spoolDirFor } from "../runner/result-spool";
import { errorMessage } from "../util/logger";
import { AGENT_VERSION } from "../version";
import type { CommandContext } from "./context";

/** `status`: what this agent is registered as (never the token), and whether the marketplace answers. */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const s = parseSettings(statusSettingsSchema, ctx.values);
  const nodeId = ctx.io.env.COMPUTESWARM_NODE_ID || ctx.fileConfig.nodeId;
  const token = ctx.io.env.COMPUTESWARM_AGENT_TOKEN || ctx.fileConfig.agentToken;
  const report: Record<string, unknown> = {
    agentVersion: AGENT_VERSION,
    configPath: ctx.configPath,
    registered: Boolean(nodeId && token),
    nodeId: nodeId ?? null,
    seller: ctx.fileConfig.seller ?? null,
    marketplace: s.marketplace ?? null,
    registeredAt: ctx.fileConfig.registeredAt ?? null,
  };
  if (nodeId) report.pendingResults = (await new ResultSpool(spoolDirFor(ctx.configPath, nodeId)).list()).length;
  if (s.marketplace) {
    try {
      const info = await new MarketplaceClient({ baseUrl: s.marketplace, requestTimeoutMs: 10_000 }).info();
      report.marketplaceReachable = true;
      report.marketplaceProtocolVersion = info.protocolVersion;
      report.chainId = info.chainId;
    } catch (err) {
      report.marketplaceReachable = false;
      report.marketplaceError = errorMessage(err);
    }
  }
  ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  return report.registered ? 0 : 1;
}
