import { describe, expect, it } from "vitest";
import pg from "pg";
import { MAX_NAMED_STATEMENTS, statementNamer } from "./connect";

describe("prepared statement names", () => {
  it("gives each SQL text one name for the life of the process, and stops naming past the cap", () => {
    const name = statementNamer(3);
    const a = name({ sql: "SELECT 1" });
    expect(name({ sql: "SELECT 1" })).toBe(a);
    const b = name({ sql: "SELECT 2" });
    expect(b).not.toBe(a);
    name({ sql: "SELECT 3" });
    expect(name({ sql: "SELECT 4" })).toBeUndefined();
    expect(name({ sql: "SELECT 2" })).toBe(b);
    expect(MAX_NAMED_STATEMENTS).toBeGreaterThan(100);
  });

  it.runIf(process.env.DATABASE_URL)("runs named statements on a real connection, again and again", async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const name = statementNamer();
      const sql = "SELECT $1::int + 1 AS n";
      for (const v of [1, 2, 3, 4, 5, 6, 7]) {
        const r = await client.query({ name: name({ sql }), text: sql, values: [v] });
        expect(r.rows[0].n).toBe(v + 1);
      }
    } finally {
      await client.end();
    }
  });
});
