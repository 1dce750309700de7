/**
 * Writes a new SQL migration: the difference between the schema the existing
 * migrations produce and prisma/schema.prisma. Runs offline on Prisma's WASM
 * schema engine (the CLI's `migrate dev` needs a downloaded binary).
 *
 *   npm run db:diff -- <name>
 */
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const root = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(root, "prisma/migrations");
const schemaPath = path.join(root, "prisma/schema.prisma");

async function loadEngine() {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@prisma/schema-engine-wasm");
  const bg = await import(path.join(path.dirname(main), "schema_engine_bg.js"));
  const wasm = await readFile(path.join(path.dirname(main), "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  return bg.SchemaEngine;
}

/** The PGlite adapter reports no schema name; the engine insists on one. */
function withPublicSchema(factory: PrismaPGlite): PrismaPGlite {
  const patch = async <T extends { getConnectionInfo?: () => object }>(adapter: Promise<T>) => {
    const a = await adapter;
    const info = a.getConnectionInfo?.bind(a);
    a.getConnectionInfo = () => ({ ...info?.(), schemaName: "public" });
    return a;
  };
  const connect = factory.connect.bind(factory);
  const shadow = factory.connectToShadowDb.bind(factory);
  factory.connect = () => patch(connect());
  factory.connectToShadowDb = () => patch(shadow());
  return factory;
}

async function main() {
  const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]/gi, "_");
  if (!name) throw new Error("usage: npm run db:diff -- <migration_name>");

  // Apply the existing migrations to a scratch database, then diff it against the schema.
  const scratch = new PGlite();
  const existing = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const dir of existing) {
    await scratch.exec(await readFile(path.join(migrationsDir, dir, "migration.sql"), "utf8"));
  }

  const SchemaEngine = await loadEngine();
  const schema = await readFile(schemaPath, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(withPublicSchema(new PrismaPGlite(scratch)));
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, adapter);
  const result = await engine.diff({
    from: existing.length ? { tag: "url", url: "" } : { tag: "empty" },
    to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
    script: true,
    exitCode: false,
    filters: { externalTables: [], externalEnums: [] },
  });
  const sql: string = result.stdout;
  if (!sql.trim() || /empty migration/i.test(sql)) {
    console.log("Schema and migrations agree: nothing to write.");
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), sql);
  console.log(`Wrote ${path.relative(root, dir)}/migration.sql`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
