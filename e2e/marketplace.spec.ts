import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./helpers/guard";
import { FakeAgent, H200 } from "./helpers/agent";

/**
 * The buyer journey on the embedded default: a node comes online → the demo
 * wallet connects and signs in → the marketplace lists the node → rent it →
 * run a job and watch it live (SSE) until its output shows. Screenshots of
 * every page at desktop and phone (390 px) width land in e2e/screenshots/.
 */
const SHOTS = "e2e/screenshots";
mkdirSync(SHOTS, { recursive: true });
const DEMO_BUYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil account #1

let free: FakeAgent;
let priced: FakeAgent;

test.beforeAll(async ({ baseURL }) => {
  free = await new FakeAgent(baseURL!).register({
    pricePerHour: "0",
    gpuInfo: { ...H200, model: "NVIDIA RTX 4090 (e2e)", vramMiB: 24564, benchmark: { tflops: 165, dtype: "bf16" } },
  });
  priced = await new FakeAgent(baseURL!).register({ pricePerHour: "2.50", gpuInfo: { ...H200, gpuCount: 8 } });
  await free.keepOnline(7);
  await priced.keepOnline(63);
});

test.afterAll(() => {
  free?.stop();
  priced?.stop();
});

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize(size);
}

async function connectDemoWallet(page: Page) {
  await page.getByRole("button", { name: "Connect wallet" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("Demo wallet").click();
  // A fresh connection goes straight on to Sign-In with Ethereum (the demo wallet signs without a prompt).
  await expect(page.getByTestId("account-button")).toContainText("0x7099…79C8");
}

test("buyer: demo wallet → sign in → marketplace → rent → job runs live → output", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Rent a GPU by the job" })).toBeVisible();
  const row = page.locator(`[data-testid=node-row][data-node-id="${priced.nodeId}"]`);
  await expect(row).toContainText("NVIDIA H200");
  await expect(row).toContainText("$2.50");
  await expect(row).toContainText("140 GiB");
  await expect(row).toContainText("×8");
  await expect(row.getByTestId("node-status")).toHaveText("Available");
  const freeRow = page.locator(`[data-testid=node-row][data-node-id="${free.nodeId}"]`);
  await expect(freeRow).toContainText("Free");

  // Filters live in the URL.
  await page.getByLabel("GPU model").fill("h200");
  await expect(page).toHaveURL(/model=h200/);
  await expect(freeRow).toHaveCount(0);
  await expect(row).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(freeRow).toBeVisible();

  await connectDemoWallet(page);
  await shoot(page, "marketplace");

  // The node page.
  await row.getByRole("link", { name: "NVIDIA H200", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/nodes/${priced.nodeId}`));
  await expect(page.getByText("805 bf16")).toBeVisible();
  await shoot(page, "node");

  // The job page for a priced node: the price follows the duration as you type.
  await page.getByRole("link", { name: "Rent this node" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/jobs/new\\?node=${priced.nodeId}`));
  // 2.50/h × 5 min = $0.208334 (rounded up to 1e-6), shown rounded with the exact amount on hover
  await expect(page.getByTestId("job-cost")).toHaveText("$0.2083");
  await expect(page.getByTestId("job-cost").locator("[title]")).toHaveAttribute("title", "Exactly $0.208334");
  await page.getByLabel("Maximum duration").fill("1");
  await page.getByLabel("Unit").selectOption("h");
  await expect(page.getByTestId("job-cost")).toHaveText("$2.50");
  await expect(page.getByTestId("submit-job")).toHaveText("Pay $2.50 and run");
  await page.getByLabel("Maximum duration").fill("10");
  await page.getByLabel("Unit").selectOption("min");
  await expect(page.getByTestId("job-cost")).toHaveText("$0.4167"); // $0.416667, rounded for reading
  await shoot(page, "new-job");

  // A free node: run a job and watch it live.
  await page.goto(`/jobs/new?node=${free.nodeId}`);
  await expect(page.getByTestId("job-cost")).toHaveText("Free");
  await page.getByRole("radio", { name: "Shell" }).click();
  await page.getByLabel("Shell script").fill('echo "hello from e2e"');
  await page.getByTestId("submit-job").click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = page.url().split("/").pop()!;
  await expect(page.getByTestId("job-status")).toHaveText("Queued");
  await expect(page.getByText("Live", { exact: true })).toBeVisible();

  const claimed = await free.claim();
  expect(claimed?.id).toBe(jobId);
  expect(claimed?.script).toBe('echo "hello from e2e"');
  await expect(page.getByTestId("job-status")).toHaveText("Running");
  await free.log(jobId, "hello from e2e\n");
  await free.log(jobId, "warming up the GPU…\n", "stderr");
  await expect(page.getByTestId("job-logs")).toContainText("hello from e2e");
  await expect(page.getByTestId("job-logs")).toContainText("warming up the GPU");
  await shoot(page, "job-running");

  const completedAt = Date.now();
  await free.complete(jobId, "hello from e2e\nall done\n", 2345);
  await expect(page.getByTestId("job-status")).toHaveText("Completed");
  const shownAfterMs = Date.now() - completedAt;
  console.log(`job completion shown in the browser ${shownAfterMs} ms after the agent reported it`);
  await expect(page.getByTestId("job-output")).toContainText("all done");
  await expect(page.locator('[data-step="settled"]')).toContainText("No payment");
  await shoot(page, "job-completed");

  // My jobs.
  await page.getByRole("link", { name: "My jobs" }).first().click();
  await expect(page.getByTestId("job-row").first()).toContainText(jobId.slice(0, 8));
  await expect(page.getByTestId("job-row").first()).toContainText("Completed");
  await shoot(page, "jobs");

  // Seller page, and the admin page: on the embedded default the demo wallet is also an admin
  // (admin.spec.ts covers a non-admin's 403).
  await page.goto("/seller");
  await expect(page.getByRole("heading", { name: "Your nodes" })).toBeVisible();
  await shoot(page, "seller-no-nodes");
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  // Sign out, then in again with the button.
  await page.getByTestId("account-button").click();
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("account-button")).toContainText("0x7099…79C8");
  expect(DEMO_BUYER.slice(0, 6)).toBe("0x7099");
});
