import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Env } from "../../env";
import { publicOrigin } from "../../public-url";

/**
 * The seller agent as one file (agent/dist/cli.js, built by `npm run build`),
 * served at AGENT_DOWNLOAD_PATH so a GPU machine with only `node` can fetch
 * it from the marketplace it will serve. Its sha256 is shown beside the link.
 */
export const AGENT_DOWNLOAD_PATH = "/agent/computeswarm-agent.js";
export const AGENT_FILE_NAME = "computeswarm-agent.js";

export interface AgentBundle {
  bytes: Buffer;
  sha256: string;
}

let cached: { file: string; mtimeMs: number; size: number; bundle: AgentBundle } | undefined;

/** The built bundle, or null when this install has not built it (e.g. `next dev`). */
export async function readAgentBundle(env: Pick<Env, "AGENT_BUNDLE_FILE">): Promise<AgentBundle | null> {
  const file = path.resolve(env.AGENT_BUNDLE_FILE);
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) return null;
  if (cached?.file === file && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.bundle;
  const bytes = await readFile(file);
  const bundle = { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  cached = { file, mtimeMs: st.mtimeMs, size: st.size, bundle };
  return bundle;
}

export interface AgentDownload {
  url: string;
  sha256: string;
  /** Fetch the file and check it, as one shell line. */
  command: string;
}

export async function agentDownload(env: Pick<Env, "AGENT_BUNDLE_FILE" | "PUBLIC_URL">): Promise<AgentDownload | null> {
  const bundle = await readAgentBundle(env);
  if (!bundle) return null;
  const url = `${publicOrigin(env)}${AGENT_DOWNLOAD_PATH}`;
  return {
    url,
    sha256: bundle.sha256,
    command: `curl -fsSLo ${AGENT_FILE_NAME} ${url} && echo "${bundle.sha256}  ${AGENT_FILE_NAME}" | sha256sum -c -`,
  };
}

/**
 * The commands a seller runs on the GPU machine: with the downloaded file
 * (`node computeswarm-agent.js …`), or in a checkout without a build
 * (`npx computeswarm-agent …`, the workspace's bin).
 */
export async function agentCommands(
  env: Pick<Env, "AGENT_BUNDLE_FILE" | "PUBLIC_URL">,
  args: string[],
): Promise<{ download: AgentDownload | null; commands: string[] }> {
  const download = await agentDownload(env);
  const agent = download ? `node ${AGENT_FILE_NAME}` : "npx computeswarm-agent";
  return { download, commands: [...(download ? [download.command] : []), ...args.map((a) => `${agent} ${a}`)] };
}
