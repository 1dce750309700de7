import { defineConfig } from "prisma/config";

// The CLI is used only for `prisma generate`, offline (the db:generate script points
// PRISMA_SCHEMA_ENGINE_BINARY at /bin/true: generate needs no schema engine).
// Migrations are applied by scripts/migrate.ts, not by `prisma migrate`.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
