/**
 * The embedded default's database: PGlite (PostgreSQL in WASM) persisted under DATA_DIR, or in
 * memory when DATA_DIR is "memory://" (tests). Its packages are dev dependencies, imported
 * when the embedded database is opened.
 */
import path from "node:path";
import { mkdir } from "node:fs/promises";
import type { SqlRunner } from "../../db/migrate";

export async function openPglite(dataDir: string) {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  let lite;
  if (dataDir === "memory://") lite = new PGlite();
  else {
    const dir = path.resolve(dataDir, "pglite");
    await mkdir(dir, { recursive: true });
    lite = new PGlite(dir);
  }
  const runner: SqlRunner = lite;
  return { runner, prismaAdapter: () => new PrismaPGlite(lite), close: () => lite.close() };
}
