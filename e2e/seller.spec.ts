import { generatePrivateKey } from "viem/accounts";
import { expect, test } from "./helpers/guard";
import { FakeAgent, H200 } from "./helpers/agent";
import { installInjectedWallet } from "./helpers/injected-wallet";
import { connectWallet, shoot } from "./helpers/pages";
import { submitJob } from "./helpers/buyer";

/**
 * The seller journey, with a browser wallet injected into the page (EIP-1193 +
 * EIP-6963, signing with a fresh key in the test): sign in → add a node (the
 * wallet signs PairNode) → the one-time code and the agent commands → an agent
 * redeems the code and checks in → the node is listed under "Your nodes" →
 * change its price (the wallet signs UpdateNode) → pause and resume → a
 * buyer's paid job settles and shows up in the earnings.
 */
const L4 = { ...H200, model: "NVIDIA L4 (seller e2e)", vramMiB: 23034, benchmark: { tflops: 121, dtype: "bf16" } };
let agent: FakeAgent | undefined;

test.afterAll(() => agent?.stop());

test("seller: add a node with a pairing code, see it online, change its price", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL! });
  // The wallet starts on Base Sepolia: connecting switches it to the marketplace's chain.
  const wallet = await installInjectedWallet(page, generatePrivateKey(), { chainId: 84532 });
  const seller = wallet.account.address;

  await page.goto("/seller");
  await expect(page.getByRole("heading", { name: "Sign in to manage your nodes" })).toBeVisible();
  await connectWallet(page, seller);
  expect(wallet.chainId()).toBe(31337);
  await expect(page.getByRole("heading", { name: "Your nodes" })).toBeVisible();
  await expect(page.getByText("No nodes yet")).toBeVisible();
  await expect(page.getByTestId("stat-online")).toContainText("0 / 0");

  // Add a node: price, sign, code.
  await page.getByLabel("Price per hour (USD)").fill("12345678");
  await page.getByTestId("create-pairing-code").click();
  await expect(page.getByText("A number in USD with at most 6 decimals")).toBeVisible();
  await page.getByLabel("Price per hour (USD)").fill("1.75");
  await page.getByTestId("create-pairing-code").click();
  const codeEl = page.getByTestId("pairing-code");
  await expect(codeEl).toHaveText(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const code = (await codeEl.textContent())!;
  expect(wallet.requests.filter((r) => r.primaryType === "PairNode")).toHaveLength(1);
  await expect(page.getByTestId("pairing-expiry")).toContainText(/Works once, until .+ \(60 min\)/);
  const commands = page.getByTestId("pairing-command");
  await expect(commands).toHaveCount(3);
  await expect(commands.nth(0)).toContainText(`${baseURL}/agent/computeswarm-agent.js`);
  const register = `node computeswarm-agent.js register --marketplace ${baseURL} --pair ${code}`;
  await expect(commands.nth(1)).toHaveText(`$ ${register}`);
  await expect(commands.nth(2)).toContainText("node computeswarm-agent.js start");
  await expect(page.getByTestId("agent-download")).toContainText(/sha256 [0-9a-f]{64}/);
  await expect(page.getByTestId("pairing-waiting")).toContainText("listed at $1.75/h");

  // The copy button copies the exact command (without the prompt).
  await page.getByRole("button", { name: "Copy: Register this machine with the code" }).click();
  await expect(page.getByRole("button", { name: "Copy: Register this machine with the code" })).toContainText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(register);
  await shoot(page, "seller-pairing");

  // The agent on the GPU machine redeems the code with the GPUs it found, once.
  agent = await new FakeAgent(baseURL!).pair(code, L4);
  await expect(new FakeAgent(baseURL!).pair(code, L4)).rejects.toThrow(
    /HTTP 404.*pairing code is unknown, used or expired/,
  );
  await agent.keepOnline(41);

  await expect(page.getByTestId("pairing-done")).toContainText("Paired: NVIDIA L4 (seller e2e) joined your nodes.");
  const row = page.locator(`[data-testid=seller-node-row][data-node-id="${agent.nodeId}"]`);
  await expect(row).toContainText("NVIDIA L4 (seller e2e)");
  await expect(row.getByTestId("node-status")).toHaveText("Available");
  await expect(row.getByTestId("node-price")).toHaveText("$1.75/h");
  await expect(row).toContainText("41%");
  await expect(page.getByTestId("stat-online")).toContainText("1 / 1");

  // Change the price: the wallet signs UpdateNode.
  await row.getByRole("button", { name: "Change price" }).click();
  await row.getByLabel("Price per hour").fill("2.25");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByTestId("node-price")).toHaveText("$2.25/h");
  expect(wallet.requests.filter((r) => r.primaryType === "UpdateNode")).toHaveLength(1);

  // Pause and resume (SetNodePaused).
  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row.getByTestId("node-status")).toHaveText("Paused");
  await row.getByRole("button", { name: "Resume" }).click();
  await expect(row.getByTestId("node-status")).toHaveText("Available");
  expect(wallet.requests.filter((r) => r.primaryType === "SetNodePaused")).toHaveLength(2);

  // A buyer pays for a one-minute job at the new price, the agent runs it, the payment settles: it is earned.
  const { jobId, amountUsd } = await submitJob(baseURL!, { nodeId: agent.nodeId, maxDurationSeconds: 60 });
  expect(amountUsd).toMatch(/^0\.0375/); // 2.25/h × 60 s
  expect((await agent.claim())?.id).toBe(jobId);
  await agent.complete(jobId, "ok\n");
  await expect(page.getByTestId("stat-earned")).toContainText("$0.0375", { timeout: 45_000 });
  await expect(row).toContainText("$0.0375");
  await expect(row).toContainText("100%"); // reliability: its one finished job was delivered

  // Buyers see the new price.
  await page.getByRole("link", { name: "NVIDIA L4 (seller e2e)" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/nodes/${agent.nodeId}`));
  await expect(page.locator("main")).toContainText("$2.25 / hour");
  await expect(page.getByTestId("node-reliability")).toHaveText("100%");

  await page.goto("/seller");
  await expect(row.getByTestId("node-price")).toHaveText("$2.25/h");
  await shoot(page, "seller");
});
