import { updateConfigFile } from "../config/config-file";
import { UsageError } from "../config/option-specs";
import { loadPrivateKey } from "../config/private-key";
import { parseSettings, registerSettingsSchema } from "../config/settings";
import { resolvePython } from "../executor/python";
import { runBenchmark } from "../gpu/benchmark";
import { detectGpus } from "../gpu/detect-gpus";
import { MarketplaceClient } from "../marketplace/client";
import { buildRegisterMessage, signRegistration } from "../marketplace/registration";
import { AGENT_PROTOCOL_VERSION, type GpuInfo, type JobType } from "@computeswarm/protocol";
import { findExecutable } from "../util/find-executable";
import type { CommandContext } from "./context";

/** Job types this machine can offer: python needs python3 here (or a docker image), shell needs bash. */
async function detectJobTypes(dockerImagesConfigured: boolean): Promise<JobType[]> {
  const [python, bash] = await Promise.all([resolvePython(), findExecutable("bash")]);
  const types: JobType[] = [];
  if (python || dockerImagesConfigured) types.push("python");
  if (bash || dockerImagesConfigured) types.push("shell");
  return types;
}

/** `register`: detect, benchmark, sign (or pair), and store the node id and token. */
export async function registerCommand(ctx: CommandContext): Promise<void> {
  const { logger, io } = ctx;
  const s = parseSettings(registerSettingsSchema, ctx.values);
  const envKey = io.env.COMPUTESWARM_PRIVATE_KEY;
  const hasKey = Boolean(s.keyFile || envKey);
  if (hasKey && s.pair)
    throw new UsageError("use either a key (--key-file / COMPUTESWARM_PRIVATE_KEY) or --pair <code>, not both");
  if (!hasKey && !s.pair)
    throw new UsageError("register needs --key-file <path>, COMPUTESWARM_PRIVATE_KEY, or --pair <code>");
  if (hasKey && s.price === undefined)
    throw new UsageError("--price <usd-per-hour> is required when registering with a key");
  // Load the key before the slow steps so that a typo fails fast.
  const key = hasKey ? await loadPrivateKey({ keyFile: s.keyFile, envKey }) : undefined;
  if (key?.warning) logger.warn(key.warning);

  const detection = await detectGpus();
  for (const w of detection.warnings) logger.warn(w);
  const imageAllowlist =
    io.env.COMPUTESWARM_IMAGE_ALLOWLIST ?? (ctx.fileConfig as { imageAllowlist?: unknown }).imageAllowlist;
  const gpuInfo: GpuInfo = {
    ...detection.gpuInfo,
    jobTypes: await detectJobTypes(Boolean(imageAllowlist && String(imageAllowlist).length > 0)),
  };
  if (s.benchmark) {
    logger.info("running benchmark", { model: gpuInfo.model });
    gpuInfo.benchmark = await runBenchmark();
  } else {
    gpuInfo.benchmark = { tflops: null, skippedReason: "disabled by the seller (--no-benchmark)" };
  }
  logger.info("detected", {
    model: gpuInfo.model,
    gpuCount: gpuInfo.gpuCount,
    vramMiB: gpuInfo.vramMiB,
    cudaVersion: gpuInfo.cudaVersion,
    benchmark: gpuInfo.benchmark,
    jobTypes: gpuInfo.jobTypes,
  });

  const client = new MarketplaceClient({ baseUrl: s.marketplace, requestTimeoutMs: 30_000 });
  let nodeId: string;
  let agentToken: string;
  let seller: string | undefined;
  if (key) {
    const info = await client.info();
    if (info.protocolVersion !== AGENT_PROTOCOL_VERSION) {
      logger.warn("marketplace speaks another agent protocol version", {
        theirs: info.protocolVersion,
        ours: AGENT_PROTOCOL_VERSION,
      });
    }
    // Bound to this marketplace: the signature is worthless at any other deployment.
    const deployment = { chainId: info.chainId, marketplaceUrl: info.marketplaceUrl };
    const signed = await signRegistration(key.privateKey, deployment, (address) =>
      buildRegisterMessage({
        seller: address,
        gpuInfo,
        pricePerHour: s.price!,
        endpoint: s.endpoint,
        name: s.name || undefined,
      }),
    );
    seller = signed.message.seller;
    ({ nodeId, agentToken } = await client.register(signed));
  } else {
    ({ nodeId, agentToken, seller } = await client.pair({
      code: s.pair!,
      gpuInfo,
      endpoint: s.endpoint || undefined,
      pricePerHour: s.price,
      name: s.name || undefined,
    }));
  }

  if (ctx.fileConfig.nodeId && ctx.fileConfig.nodeId !== nodeId) {
    logger.warn("replacing the earlier registration in the config file", {
      previousNodeId: ctx.fileConfig.nodeId,
      configPath: ctx.configPath,
    });
  }
  await updateConfigFile(ctx.configPath, {
    marketplace: s.marketplace,
    nodeId,
    agentToken,
    ...(seller ? { seller } : {}),
    ...(s.price !== undefined ? { price: s.price } : {}),
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    registeredAt: new Date().toISOString(),
  });
  logger.info("registered", {
    nodeId,
    seller,
    marketplace: s.marketplace,
    configPath: ctx.configPath,
    via: key ? "key" : "pairing code",
  });
}
