import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../config/option-specs";
import { parseSettings, startSettingsSchema } from "../config/settings";
import { prepareExecutor } from "../executor/prepare-executor";
import { ExecutorError } from "../executor/types";
import { detectGpus } from "../gpu/detect-gpus";
import type { CommandContext } from "./context";

/** A `try` job's time limit: enough for a benchmark or a smoke test. */
const TRY_SECONDS = 900;

/**
 * `try <script>`: runs one local script exactly as a buyer's job would run
 * here (same executor choice, same self-test, same sandbox), without a
 * marketplace; prints the result as JSON. For sellers checking a machine,
 * and for the GPU proof (scripts/gpu-proof.sh).
 */
export async function tryJobCommand(ctx: CommandContext, file: string) {
  const a = { file, jobType: file.endsWith(".sh") ? ("shell" as const) : ("python" as const) };
  const s = parseSettings(startSettingsSchema, { marketplace: "http://unused.invalid", ...ctx.values });
  const script = await readFile(a.file, "utf8").catch((err: Error) => {
    throw new UsageError(`cannot read ${a.file}: ${err.message}`);
  });
  const { gpuInfo } = await detectGpus();
  const executor = await prepareExecutor(s, {
    nodeId: ctx.io.env.COMPUTESWARM_NODE_ID || ctx.fileConfig.nodeId || "try",
    gpuCount: gpuInfo.gpuCount,
    canaryDir: path.dirname(ctx.configPath),
    logger: ctx.logger,
  });
  try {
    const result = await executor.run({
      jobId: randomUUID(),
      jobType: a.jobType,
      script,
      maxDurationSeconds: TRY_SECONDS,
      onOutput: (_stream, text) => ctx.io.stderr(text),
    });
    ctx.io.stdout(`${JSON.stringify({ executor: executor.kind, gpuCount: gpuInfo.gpuCount, ...result }, null, 2)}\n`);
    return result.exitCode === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof ExecutorError) throw new UsageError(err.message);
    throw err;
  }
}
