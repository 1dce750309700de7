import { expect, test } from "./helpers/guard";
import { FakeAgent, H200 } from "./helpers/agent";
import type { Page } from "@playwright/test";

/**
 * Paying with x402 from the browser: the demo wallet signs the auth-capture
 * authorization, the ceiling is held in escrow on the embedded chain, the job
 * runs, the seconds used are captured and the rest is returned. And a refusal
 * (a ceiling larger than the wallet holds) is shown in words.
 */
let node: FakeAgent;
let pricey: FakeAgent;

test.beforeAll(async ({ baseURL }) => {
  node = await new FakeAgent(baseURL!).register({
    pricePerHour: "3.60",
    gpuInfo: { ...H200, model: "NVIDIA A100 (paid e2e)" },
  });
  pricey = await new FakeAgent(baseURL!).register({
    pricePerHour: "10000",
    gpuInfo: { ...H200, model: "NVIDIA B200 (pricey e2e)" },
  });
  await node.keepOnline(20);
  await pricey.keepOnline(0);
});

test.afterAll(() => {
  node?.stop();
  pricey?.stop();
});

async function connectDemoWallet(page: Page) {
  await page.goto("/");
  await page.getByRole("button", { name: "Connect wallet" }).first().click();
  await page.getByRole("dialog").getByText("Demo wallet").click();
  await expect(page.getByTestId("account-button")).toContainText("0x7099…79C8");
}

test("buyer holds the ceiling in escrow, watches the job, and pays only the seconds used", async ({ page }) => {
  await connectDemoWallet(page);
  await page.goto(`/jobs/new?node=${node.nodeId}`);
  await page.getByLabel("Maximum duration").fill("1");
  await expect(page.getByTestId("job-cost")).toHaveText("$0.06"); // 3.60/h × 60 s
  await page.getByTestId("submit-job").click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const jobId = page.url().split("/").pop()!;
  await expect(page.getByTestId("job-status")).toHaveText("Queued");
  await expect(page.getByTestId("job-detail-cost")).toHaveText("$0.06"); // held in escrow
  await expect(page.getByText("Held in escrow").first()).toBeVisible();

  const job = await node.claim();
  expect(job?.id).toBe(jobId);
  await node.log(jobId, "training… epoch 1\n");
  await expect(page.getByTestId("job-logs")).toContainText("epoch 1");
  await node.complete(jobId, "loss=0.01\n");
  await expect(page.getByTestId("job-status")).toHaveText("Completed");
  await expect(page.getByTestId("job-output")).toContainText("loss=0.01");
  // Captured by the settlement worker on the embedded anvil: the seconds used (a second or two), the rest returned.
  await expect(page.locator('[data-step="settled"]')).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  await expect(page.getByTestId("settlement-tx")).toHaveText(/^0x[0-9a-f]{64}$/);
  await expect(page.getByTestId("job-detail-cost")).toHaveText(/^\$0\.00[1-3]$/);
  await expect(page.locator('[data-step="settled"]')).toContainText(/returned/);
  await page.screenshot({ path: "e2e/screenshots/job-settled-desktop.png", fullPage: true });
});

test("a payment the wallet cannot cover is refused in words", async ({ page, guard }) => {
  guard.allowConsole(/status of 402/);
  await connectDemoWallet(page);
  await page.goto(`/jobs/new?node=${pricey.nodeId}`);
  await page.getByLabel("Maximum duration").fill("1");
  await page.getByLabel("Unit").selectOption("h");
  await expect(page.getByTestId("job-cost")).toHaveText("$10,000.00");
  await page.getByTestId("submit-job").click();
  const alert = page.getByRole("alert").filter({ hasText: "not paid" });
  await expect(alert).toContainText(/Your USDC balance is [\d.,]+; this job holds up to 10000/);
  await page.screenshot({ path: "e2e/screenshots/payment-refused-desktop.png", fullPage: true });
});
