import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * Browser journeys against `npm start` (run `npm run build` first) on the
 * embedded default: PGlite in a fresh DATA_DIR, in-process Redis, embedded
 * anvil with the demo wallet. Debian's Chromium (`apt-get install -y chromium`).
 * Workers inherit the runner's environment, so the data dir is created once.
 */
const PORT = Number(process.env.E2E_PORT ?? 3123);
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "computeswarm-e2e-"));
export const ADMIN_ADDRESS = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"; // anvil account #2

export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: "npm start",
    url: `http://localhost:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://localhost:${PORT}`,
      DATA_DIR: process.env.E2E_DATA_DIR,
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
      ADMIN_ADDRESSES: ADMIN_ADDRESS,
      RATE_LIMIT_DISCOVERY_PER_MIN: "10000",
      RATE_LIMIT_JOB_SUBMIT_PER_MIN: "10000",
      RATE_LIMIT_REGISTER_PER_MIN: "10000",
      RATE_LIMIT_DEFAULT_PER_MIN: "100000",
    },
  },
});
