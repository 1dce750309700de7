import type { Command } from "commander";
import { defaultConfigPath, readConfigFile, type AgentConfigFile } from "../config/config-file";
import { OPTION_SPECS, resolveSpecValues, type OptionSpec } from "../config/option-specs";
import { logLevelSchema, parseSettings } from "../config/settings";
import { createLogger, type Logger } from "../util/logger";
import { z } from "zod";

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export interface CommandContext {
  io: CliIo;
  configPath: string;
  fileConfig: AgentConfigFile;
  logger: Logger;
  /** This command's options, resolved flag > env > config file (not yet validated). */
  values: Record<string, unknown>;
}

const globalSchema = z.object({ config: z.string().min(1).optional(), logLevel: logLevelSchema });

/** Resolves --config / --log-level (program-wide), reads the config file, then this command's options. */
export async function loadContext(
  cmd: Command,
  specs: OptionSpec[],
  io: CliIo,
  logTo: "stdout" | "stderr" = "stdout",
): Promise<CommandContext> {
  const program = cmd.parent ?? cmd;
  const globals = parseSettings(
    globalSchema,
    resolveSpecValues(program, [OPTION_SPECS.config, OPTION_SPECS.logLevel], {}),
  );
  const configPath = globals.config ?? defaultConfigPath();
  const fileConfig = await readConfigFile(configPath);
  const logger = createLogger(io[logTo], globals.logLevel);
  return { io, configPath, fileConfig, logger, values: resolveSpecValues(cmd, specs, fileConfig) };
}
