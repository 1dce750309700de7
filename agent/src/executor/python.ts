import { statSync } from "node:fs";
import path from "node:path";
import { findExecutable } from "../util/find-executable";
import { runCommand } from "../util/run-command";

export const isRoot = () => process.getuid?.() === 0;

export interface SandboxPython {
  /** python3 as the sandbox sees it (same path as on the host). */
  executable: string;
  /** Host dirs outside /usr it needs, bound read-only (venv, conda, pyenv prefixes). */
  readOnlyDirs: string[];
}

/** python3 on PATH, resolved to the real interpreter behind any shim (pyenv, conda). */
export async function resolvePython(): Promise<string | null> {
  const found = await findExecutable("python3");
  if (!found) return null;
  const r = await runCommand(found, ["-c", "import sys; print(sys.executable)"], { timeoutMs: 15_000 });
  const exe = r.stdout.trim();
  return r.ok && path.isAbsolute(exe) ? exe : found;
}

/** True when uid 65534 could reach `file`: every dir on the way is world-searchable. */
export function worldReachable(file: string): boolean {
  let dir = path.dirname(file);
  while (true) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dir === "/") return true;
    dir = path.dirname(dir);
  }
}

/**
 * The python3 a sandboxed job gets: the one on PATH (with its prefixes bound
 * read-only) when the sandbox user can reach it, else /usr/bin/python3.
 */
export async function findSandboxPython(dropsToNobody = isRoot()): Promise<SandboxPython | null> {
  const candidates = [await resolvePython(), "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const exe of candidates) {
    if (dropsToNobody && !worldReachable(exe)) continue;
    const r = await runCommand(exe, ["-c", "import sys; print(sys.prefix); print(sys.base_prefix)"], {
      timeoutMs: 15_000,
    });
    if (!r.ok) continue;
    const prefixes = r.stdout.split("\n").filter((l) => path.isAbsolute(l));
    const readOnlyDirs = [...new Set([...prefixes, path.dirname(exe)])].filter(
      (d) => d !== "/usr" && !d.startsWith("/usr/") && d !== "/",
    );
    return { executable: exe, readOnlyDirs };
  }
  return null;
}
