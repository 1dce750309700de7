import { readFile, stat } from "node:fs/promises";
import { UsageError } from "./option-specs";

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

export interface LoadedKey {
  privateKey: `0x${string}`;
  /** Set when the key file is readable by other users. */
  warning?: string;
}

/**
 * The seller's key, from a file (hex, optional 0x, surrounding whitespace) or
 * COMPUTESWARM_PRIVATE_KEY. Error messages never include any of its content.
 */
export async function loadPrivateKey(source: { keyFile?: string; envKey?: string }): Promise<LoadedKey> {
  let raw: string;
  let warning: string | undefined;
  let where: string;
  if (source.keyFile) {
    where = `key file ${source.keyFile}`;
    try {
      raw = await readFile(source.keyFile, "utf8");
      const mode = (await stat(source.keyFile)).mode & 0o077;
      if (mode !== 0) warning = `key file ${source.keyFile} is readable by other users; chmod 600 it`;
    } catch (err) {
      throw new UsageError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  } else if (source.envKey) {
    where = "COMPUTESWARM_PRIVATE_KEY";
    raw = source.envKey;
  } else {
    throw new UsageError(
      "no seller key: pass --key-file <path> or set COMPUTESWARM_PRIVATE_KEY (or use --pair <code>)",
    );
  }
  const key = raw.trim();
  if (!HEX_KEY.test(key))
    throw new UsageError(`${where} must hold a 32-byte hex private key (64 hex digits, optional 0x)`);
  return { privateKey: (key.startsWith("0x") ? key : `0x${key}`) as `0x${string}`, warning };
}
