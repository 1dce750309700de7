import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/generated/prisma/client";
import type { Env } from "../env";
import { openEmbeddedDatabase } from "../dev/load";
import { loadMigrations, runMigrations, type SqlRunner } from "./migrate";

export type { PrismaClient };

/**
 * The database: real PostgreSQL through @prisma/adapter-pg when DATABASE_URL is
 * set, otherwise embedded PGlite persisted under DATA_DIR (or in memory when
 * DATA_DIR is "memory://", for tests), loaded from server/dev only then.
 */
export interface Database {
  kind: "postgres" | "pglite";
  prisma: PrismaClient;
  /** Plain SQL access (health checks, migration status). */
  sql: SqlRunner;
  close(): Promise<void>;
}

type DbEnv = Pick<Env, "DATABASE_URL" | "DATA_DIR" | "DATABASE_POOL_SIZE"> &
  Partial<Pick<Env, "DATABASE_CONNECT_TIMEOUT_MS" | "DATABASE_STATEMENT_TIMEOUT_MS" | "DATABASE_PREPARED_STATEMENTS">>;

/** Time added to the server-side statement timeout before the client gives up on a silent socket. */
const QUERY_TIMEOUT_SLACK_MS = 1_000;

function pgRunner(client: pg.Pool | pg.Client): SqlRunner {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
    exec: (sql: string) => client.query(sql),
  };
}

/** Statement texts given a name per process; past it, new texts run unnamed (each name is held by every pooled connection). */
export const MAX_NAMED_STATEMENTS = 400;

/**
 * Names Prisma's SQL texts, so each pooled connection parses and plans a query
 * once and then only binds and executes it: PostgreSQL spent 0.8 ms planning
 * discovery's page query against 0.4 ms running it. One name per distinct text,
 * process-wide (pg refuses one name for two texts).
 */
export function statementNamer(limit = MAX_NAMED_STATEMENTS) {
  const names = new Map<string, string>();
  return (query: { sql: string }): string => {
    let name = names.get(query.sql);
    if (name === undefined && names.size < limit) {
      name = `cs_${names.size}`;
      names.set(query.sql, name);
    }
    // pg runs a query with no name as an unnamed statement.
    return name as string;
  };
}

/** A single-connection SQL runner, for the migration script (advisory locks are per session). */
export async function openSqlRunner(env: DbEnv): Promise<{ runner: SqlRunner; close(): Promise<void> }> {
  if (env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    return { runner: pgRunner(client), close: () => client.end() };
  }
  const { runner, close } = await openEmbeddedDatabase(env.DATA_DIR);
  return { runner, close };
}

export async function openDatabase(env: DbEnv, opts: { migrate?: boolean } = {}): Promise<Database> {
  if (env.DATABASE_URL) {
    const statementTimeout = env.DATABASE_STATEMENT_TIMEOUT_MS ?? 5_000;
    const pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      // Refused or unreachable: fail after this long (also the longest wait for a free connection).
      connectionTimeoutMillis: env.DATABASE_CONNECT_TIMEOUT_MS ?? 3_000,
      // The server cancels a statement running longer than this…
      statement_timeout: statementTimeout,
      // …and the client stops waiting for a socket that went silent (a blackholed network).
      query_timeout: statementTimeout + QUERY_TIMEOUT_SLACK_MS,
      keepAlive: true,
    });
    // An idle connection dropped by the server (restart, failover) must not crash the
    // process: the pool discards it and opens a new one on the next query.
    pool.on("error", (err) =>
      console.error(JSON.stringify({ level: 40, msg: "idle database connection lost", err: err.message })),
    );
    if (opts.migrate) {
      const { runner, close } = await openSqlRunner(env);
      try {
        await runMigrations(runner, await loadMigrations());
      } finally {
        await close();
      }
    }
    const named = env.DATABASE_PREPARED_STATEMENTS ?? true;
    const prisma = new PrismaClient({
      adapter: new PrismaPg(pool, named ? { statementNameGenerator: statementNamer() } : undefined),
    });
    return {
      kind: "postgres",
      prisma,
      sql: pgRunner(pool),
      close: async () => {
        await prisma.$disconnect();
        await pool.end().catch(() => {});
      },
    };
  }
  const lite = await openEmbeddedDatabase(env.DATA_DIR);
  // The embedded database is ours alone: always bring it up to date.
  await runMigrations(lite.runner, await loadMigrations());
  const prisma = new PrismaClient({ adapter: lite.prismaAdapter() });
  return {
    kind: "pglite",
    prisma,
    sql: lite.runner,
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}
