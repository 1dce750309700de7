import type { Deps } from "./deps";
import { loadMigrations, migrationStatus } from "./db/migrate";

export interface Health {
  status: "ok" | "degraded";
  db: "ok" | "down";
  redis: "ok" | "down";
  migrations: "current" | "pending" | "unknown";
  embedded: boolean;
}

/** Database and Redis reachable, migrations applied. */
export async function checkHealth(deps: Deps): Promise<Health> {
  const timeout = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000))]);
  const [db, redis, migrations] = await Promise.all([
    timeout(deps.db.sql.query("SELECT 1")).then(
      () => "ok" as const,
      () => "down" as const,
    ),
    timeout(deps.redis.cmd.ping()).then(
      () => "ok" as const,
      () => "down" as const,
    ),
    timeout(loadMigrations().then((m) => migrationStatus(deps.db.sql, m))).then(
      (s) => (s.current ? ("current" as const) : ("pending" as const)),
      () => "unknown" as const,
    ),
  ]);
  const ok = db === "ok" && redis === "ok" && migrations === "current";
  return { status: ok ? "ok" : "degraded", db, redis, migrations, embedded: deps.db.kind === "pglite" };
}
