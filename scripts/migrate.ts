/**
 * Applies pending SQL migrations to DATABASE_URL (or the embedded database
 * under DATA_DIR when DATABASE_URL is unset).  npm run db:migrate
 */
import { getEnv } from "../src/server/env";
import { openSqlRunner } from "../src/server/db/connect";
import { loadMigrations, runMigrations } from "../src/server/db/migrate";

async function main() {
  const env = getEnv();
  const { runner, close } = await openSqlRunner(env);
  try {
    const applied = await runMigrations(runner, await loadMigrations());
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
