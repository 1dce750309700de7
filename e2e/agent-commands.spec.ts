import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { generatePrivateKey } from "viem/accounts";
import { expect, test } from "./helpers/guard";
import { installInjectedWallet } from "./helpers/injected-wallet";
import { connectWallet } from "./helpers/pages";

/**
 * The agent commands exactly as the seller page prints them: "Add a node", copy each
 * command with its Copy button, run it in a shell on "the GPU machine" (a fresh
 * directory and HOME here): download the agent from the marketplace and check its
 * sha256, register with the one-time code, start. The node appears under "Your nodes"
 * and goes online.
 */
const machine = mkdtempSync(path.join(tmpdir(), "cs-e2e-gpu-machine-"));
let agent: ChildProcess | undefined;
const shellEnv = { PATH: process.env.PATH, HOME: machine, LANG: "C.UTF-8" } as unknown as NodeJS.ProcessEnv;

test.afterAll(async () => {
  if (agent?.pid && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent!.once("exit", resolve));
    process.kill(-agent.pid, "SIGTERM"); // its own process group: the shell and the agent
    await exited;
  }
  rmSync(machine, { recursive: true, force: true });
});

test("seller: the printed agent commands, copied and run, bring the node online", async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL! });
  const wallet = await installInjectedWallet(page, generatePrivateKey());
  await page.goto("/seller");
  await connectWallet(page, wallet.account.address);
  await page.getByLabel("Price per hour (USD)").fill("0.90");
  await page.getByTestId("create-pairing-code").click();
  await expect(page.getByTestId("pairing-code")).toBeVisible();
  await expect(page.getByTestId("pairing-command")).toHaveCount(3);

  const copied: string[] = [];
  for (const label of [
    "Download the agent and check its sha256",
    "Register this machine with the code",
    "Start taking jobs",
  ]) {
    await page.getByRole("button", { name: `Copy: ${label}` }).click();
    await expect(page.getByRole("button", { name: `Copy: ${label}` })).toContainText("Copied");
    copied.push(await page.evaluate(() => navigator.clipboard.readText()));
  }
  // What was copied is what the page shows (after its "$ " prompt).
  const shown = (await page.getByTestId("pairing-command").allTextContents()).map((t) => t.replace(/^\$ /, ""));
  expect(copied).toEqual(shown);
  const [download, register, start] = copied as [string, string, string];
  expect(download).toContain(`${baseURL}/agent/computeswarm-agent.js`);

  const sh = (command: string) =>
    promisify(execFile)("bash", ["-c", command], { cwd: machine, env: shellEnv, encoding: "utf8", timeout: 60_000 });
  expect((await sh(download)).stdout).toContain("computeswarm-agent.js: OK");
  await sh(register);
  const { nodeId } = JSON.parse(readFileSync(path.join(machine, ".computeswarm", "agent.json"), "utf8")) as {
    nodeId: string;
  };
  await expect(page.getByTestId("pairing-done")).toContainText("joined your nodes");

  let log = "";
  const proc = spawn("bash", ["-c", start], {
    cwd: machine,
    env: shellEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent = proc;
  proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));

  const row = page.locator(`[data-testid=seller-node-row][data-node-id="${nodeId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("node-price")).toHaveText("$0.90/h");
  // The agent self-tests its sandbox, then heartbeats: the node goes online.
  await expect(row.getByTestId("node-status"))
    .toHaveText("Available", { timeout: 90_000 })
    .catch((err: Error) => {
      throw new Error(`${err.message}\nagent output:\n${log}`);
    });
  expect(proc.exitCode, log).toBeNull();
});
