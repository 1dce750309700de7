import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";

/** Like `command -v name`: the first executable file named `name` on PATH, or null. */
export async function findExecutable(name: string, pathEnv = process.env.PATH ?? ""): Promise<string | null> {
  if (name.includes("/")) return (await isExecutable(name)) ? name : null;
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
