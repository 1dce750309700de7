import { detectGpus } from "../gpu/detect-gpus";
import { runBenchmark } from "../gpu/benchmark";
import { gpusSettingsSchema, parseSettings } from "../config/settings";
import type { CommandContext } from "./context";

/** `gpus`: prints what this machine would offer, as JSON on stdout. */
export async function gpusCommand(ctx: CommandContext): Promise<void> {
  const settings = parseSettings(gpusSettingsSchema, ctx.values);
  const { gpuInfo, warnings } = await detectGpus();
  for (const w of warnings) ctx.logger.warn(w);
  if (settings.benchmark) gpuInfo.benchmark = await runBenchmark();
  ctx.io.stdout(`${JSON.stringify(gpuInfo, null, 2)}\n`);
}
