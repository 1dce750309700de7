import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

export function defaultConfigPath(): string {
  return path.join(os.homedir(), ".computeswarm", "agent.json");
}

/**
 * The agent's config file: what `register` learned (node id, token,
 * marketplace) plus any option the seller chose to keep there (same names as
 * the long flags in camelCase, e.g. "imageAllowlist"). Unknown keys are kept.
 */
export const agentConfigFileSchema = z
  .object({
    marketplace: z.string().optional(),
    nodeId: z.string().optional(),
    agentToken: z.string().optional(),
    seller: z.string().optional(),
    registeredAt: z.string().optional(),
  })
  .loose();
export type AgentConfigFile = z.infer<typeof agentConfigFileSchema>;

export class ConfigFileError extends Error {}

export async function readConfigFile(file: string): Promise<AgentConfigFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigFileError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigFileError(`config file ${file} is not valid JSON`);
  }
  const parsed = agentConfigFileSchema.safeParse(data);
  if (!parsed.success) throw new ConfigFileError(`config file ${file} is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Writes atomically (temp file + rename) with mode 0600 in a 0700 directory:
 * the file holds the node's agent token.
 */
export async function writeConfigFile(file: string, config: AgentConfigFile): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600); // the mode above is filtered by the umask
  await rename(tmp, file);
}

/** Merges new values into the existing file, keeping the seller's other settings. */
export async function updateConfigFile(file: string, patch: AgentConfigFile): Promise<AgentConfigFile> {
  const next = { ...(await readConfigFile(file)), ...patch };
  await writeConfigFile(file, next);
  return next;
}
