import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records each in
 * Prisma's own `_prisma_migrations` table with Prisma's checksum (sha256 hex
 * of the file), so `prisma migrate deploy` agrees wherever a schema engine exists.
 * Works on a pg client and on PGlite; a Postgres advisory lock keeps two
 * app instances starting at once from applying the same migration twice.
 */
export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;
const LOCK_ID = 72_707_001; // arbitrary, fixed: "computeswarm migrations"

export const defaultMigrationsDir = () => path.join(process.cwd(), "prisma", "migrations");

export function prismaChecksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

export async function loadMigrations(dir = defaultMigrationsDir()): Promise<Migration[]> {
  // The migrations are traced into the build explicitly (next.config.mjs).
  const entries = await readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(/*turbopackIgnore: true*/ path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: prismaChecksum(sql) };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedMigrations(db: SqlRunner): Promise<AppliedRow[]> {
  const { rows } = await db.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return rows.filter((r) => r.rolled_back_at === null);
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  current: boolean;
}

/** What is applied and what is pending; a changed or failed migration is an error. */
export async function migrationStatus(db: SqlRunner, migrations: Migration[]): Promise<MigrationStatus> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  const applied = exists.rows[0]?.present ? await appliedMigrations(db) : [];
  const byName = new Map(applied.map((r) => [r.migration_name, r]));
  for (const m of migrations) {
    const row = byName.get(m.name);
    if (!row) continue;
    if (row.finished_at === null)
      throw new Error(`Migration ${m.name} started but did not finish; fix the database by hand`);
    if (row.checksum !== m.checksum)
      throw new Error(`Migration ${m.name} was changed after it was applied (checksum mismatch)`);
  }
  const pending = migrations.filter((m) => !byName.has(m.name)).map((m) => m.name);
  return { applied: applied.map((r) => r.migration_name), pending, current: pending.length === 0 };
}

/** Applies pending migrations, each in its own transaction. Returns the names applied. */
export async function runMigrations(db: SqlRunner, migrations: Migration[]): Promise<string[]> {
  await db.query("SELECT pg_advisory_lock($1)", [LOCK_ID]);
  try {
    await db.exec(MIGRATIONS_TABLE);
    const { pending } = await migrationStatus(db, migrations);
    const done: string[] = [];
    for (const m of migrations.filter((x) => pending.includes(x.name))) {
      const id = randomUUID();
      await db.exec("BEGIN");
      try {
        await db.exec(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [id, m.checksum, m.name],
        );
        await db.exec("COMMIT");
      } catch (err) {
        await db.exec("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [LOCK_ID]);
  }
}
