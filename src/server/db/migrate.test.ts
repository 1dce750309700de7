import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { loadMigrations, migrationStatus, prismaChecksum, runMigrations } from "./migrate";

describe("migration runner", () => {
  it("uses Prisma's checksum: sha256 hex of the migration file", async () => {
    const [first] = await loadMigrations();
    expect(first!.checksum).toBe(createHash("sha256").update(first!.sql).digest("hex"));
    expect(prismaChecksum("")).toHaveLength(64);
  });

  it("applies every migration once, records it in _prisma_migrations, and is a no-op the second time", async () => {
    const db = new PGlite();
    const migrations = await loadMigrations();
    expect(await runMigrations(db, migrations)).toEqual(migrations.map((m) => m.name));
    expect(await runMigrations(db, migrations)).toEqual([]);
    const { rows } = await db.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    expect(
      rows.every((r, i) => r.checksum === migrations[i]!.checksum && r.finished_at && r.applied_steps_count === 1),
    ).toBe(true);
    expect(await migrationStatus(db, migrations)).toMatchObject({ current: true, pending: [] });
    const tables = await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(["nodes", "jobs", "payments", "job_logs", "signed_nonces"]),
    );
    await db.close();
  });

  it("reports pending migrations and refuses a migration changed after it was applied", async () => {
    const db = new PGlite();
    const migrations = await loadMigrations();
    await runMigrations(db, migrations.slice(0, 1));
    if (migrations.length > 1)
      expect((await migrationStatus(db, migrations)).pending).toEqual(migrations.slice(1).map((m) => m.name));
    const tampered = [{ ...migrations[0]!, checksum: prismaChecksum(`${migrations[0]!.sql}\n-- edited`) }];
    await expect(migrationStatus(db, tampered)).rejects.toThrow(/checksum mismatch/);
    await db.close();
  });

  it("rolls back a failing migration and records nothing", async () => {
    const db = new PGlite();
    const bad = [
      {
        name: "20990101000000_bad",
        sql: "CREATE TABLE ok_table (id int); SELECT * FROM no_such_table;",
        checksum: "x",
      },
    ];
    await expect(runMigrations(db, bad)).rejects.toThrow(/20990101000000_bad failed/);
    const { rows } = await db.query(`SELECT to_regclass('ok_table') AS t`);
    expect(rows[0]).toEqual({ t: null });
    expect((await db.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`)).rows[0]).toEqual({ n: 0 });
    await db.close();
  });
});
