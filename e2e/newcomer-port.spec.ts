import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "./helpers/guard";
import { connectWallet } from "./helpers/pages";
import { DEMO_BUYER } from "./helpers/demo";

/**
 * A newcomer's `PORT=<not 3000> npm start` on a fresh data dir, with nothing else
 * configured (no PUBLIC_URL: it follows PORT): sign-in works on that port, at both
 * loopback names, and the pairing command names that address. (The demo node's agent
 * is left off here only to spare the machine a second agent; the e2e server runs one.)
 */
let server: ChildProcess | undefined;
let output = "";
const dataDir = mkdtempSync(path.join(tmpdir(), "cs-e2e-fresh-"));

test.afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    process.kill(-server.pid, "SIGTERM"); // npm, its shell and the server: one process group
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test("fresh start on another port: PUBLIC_URL follows PORT and sign-in works there", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  const port = Number(new URL(baseURL!).port) + 1;
  server = spawn("npm", ["start"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      DEMO_AGENT: "false",
    } as unknown as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const origin = `http://localhost:${port}`;
  await expect
    .poll(
      async () => {
        expect(server!.exitCode, `npm start exited:\n${output}`).toBeNull();
        return (await fetch(`${origin}/api/health`).catch(() => null))?.status;
      },
      { timeout: 180_000, intervals: [500] },
    )
    .toBe(200);

  // Sign in at localhost:<port>: the SIWE domain and uri are this address, which the server expects.
  await page.goto(`${origin}/seller`);
  await connectWallet(page, DEMO_BUYER, "Demo wallet");
  await expect(page.getByRole("heading", { name: "Your nodes" })).toBeVisible();
  await expect(page.getByTestId("toast")).toHaveCount(0);

  // The pairing command a seller copies names this marketplace, at this port.
  await page.getByLabel("Price per hour (USD)").fill("1.00");
  await page.getByTestId("create-pairing-code").click();
  await expect(page.getByTestId("pairing-command").nth(1)).toContainText(`--marketplace ${origin} --pair `);

  // And at 127.0.0.1:<port>, the other loopback name a newcomer may type.
  const other = await page.context().newPage();
  await other.goto(`http://127.0.0.1:${port}/`);
  await connectWallet(other, DEMO_BUYER, "Demo wallet");
  await expect(other.getByTestId("toast")).toHaveCount(0);
  await other.getByTestId("account-button").click();
  await expect(other.getByRole("menu")).toContainText(DEMO_BUYER);
});
