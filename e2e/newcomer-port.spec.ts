import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "./helpers/guard";
import { connectWallet, short } from "./helpers/pages";
import { DEMO_BUYER } from "./helpers/demo";

/**
 * A newcomer's `PORT=<not 3000> npm start` on a fresh data dir, with nothing else
 * configured (no PUBLIC_URL: it follows PORT): sign-in works on that port, at both
 * loopback names, the pairing command names that address, and after a restart over
 * the same data dir the browser is still signed in. (The demo node's agent
 * is left off here only to spare the machine a second agent; the e2e server runs one.)
 */
let server: ChildProcess | undefined;
let output = "";
const dataDir = mkdtempSync(path.join(tmpdir(), "cs-e2e-fresh-"));

/** `PORT=<port> npm start` on this test's DATA_DIR; resolves once /api/health answers 200. */
async function startServer(port: number) {
  output = "";
  const proc = spawn("npm", ["start"], {
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
  server = proc;
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  await expect
    .poll(
      async () => {
        expect(proc.exitCode, `npm start exited:\n${output}`).toBeNull();
        return (await fetch(`http://localhost:${port}/api/health`).catch(() => null))?.status;
      },
      { timeout: 180_000, intervals: [500] },
    )
    .toBe(200);
}

/** SIGTERM to npm, its shell and the server (one process group), as Ctrl-C would; resolves once it exited. */
async function stopServer() {
  const proc = server;
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  process.kill(-proc.pid, "SIGTERM");
  await exited;
}

test.afterAll(async () => {
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
});

test("fresh start on another port: PUBLIC_URL follows PORT, sign-in works there and survives a restart", async ({
  page,
  baseURL,
  guard,
}) => {
  test.setTimeout(420_000); // two cold starts on a loaded machine
  const port = Number(new URL(baseURL!).port) + 1;
  const origin = `http://localhost:${port}`;
  await startServer(port);

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
  await other.close();

  // Stop it and start it again over the same DATA_DIR: the browser is still signed in.
  // (Meanwhile the open page's background queries find no server, and say so in the console.)
  guard.allowConsole(new RegExp(`localhost:${port}/.*ERR_CONNECTION_REFUSED`));
  await stopServer();
  await startServer(port);
  await page.reload();
  await expect(page.getByTestId("account-button")).toContainText(short(DEMO_BUYER));
  await expect(page.getByRole("heading", { name: "Your nodes" })).toBeVisible();
});
