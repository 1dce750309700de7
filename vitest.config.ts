import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `npm test` runs both suites in one vitest run, so it prints one total:
 * the server (this config) and the agent (agent/vitest.config.ts).
 */
export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./src", import.meta.url)),
      // Next resolves `server-only` to its empty file on the server (react-server condition); so do tests.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: "server",
          include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "packages/**/*.test.ts"],
          exclude: ["**/node_modules/**", "agent", "e2e", ".next"],
          environment: "node",
          globalSetup: ["./src/test/global-setup.ts"],
        },
      },
      "agent/vitest.config.ts",
    ],
  },
});
