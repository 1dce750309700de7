import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { loadMigrations, runMigrations } from "../server/db/migrate";

/**
 * One test run = one template database (migrated once) on the real PostgreSQL
 * when DATABASE_URL is set; each test file clones it (CREATE DATABASE … TEMPLATE)
 * so runs and files never see each other's rows. Without DATABASE_URL the
 * tests use embedded PGlite, in memory.
 */
export default async function setup(project: TestProject) {
  const runId = randomBytes(4).toString("hex");
  project.provide("runId", runId);
  const url = process.env.DATABASE_URL;
  if (!url) {
    project.provide("templateDb", "");
    return;
  }
  const template = `cs_test_${runId}_tpl`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const tplUrl = withDatabase(url, template);
  const client = new pg.Client({ connectionString: tplUrl });
  await client.connect();
  await runMigrations(
    {
      query: async (sql, params) => ({ rows: (await client.query(sql, params)).rows }),
      exec: (sql) => client.query(sql),
    },
    await loadMigrations(),
  );
  await client.end();
  project.provide("templateDb", template);

  return async () => {
    // Drop the template and any per-file database this run left behind.
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `cs_test_${runId}_%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    runId: string;
    templateDb: string;
  }
}
