import { expect, test } from "./helpers/guard";
import { connectWallet, short, shoot } from "./helpers/pages";
import { DEMO_BUYER, DEMO_SELLER, demoNodeId } from "./helpers/demo";

/**
 * The demo shows all three roles with no configuration: the connect dialog offers
 * "Demo seller", who owns the embedded default's demo node and sees it live on
 * /seller; the "Demo wallet" buys (its USDC balance in the account menu and on the
 * job form) and, on this loopback marketplace, is an admin. The footer's Status link
 * opens the status page. Screenshots of each at 1280 and 390 px.
 */
test("demo: the demo seller sees the live demo node; the demo wallet buys and administers", async ({ page }) => {
  test.setTimeout(180_000); // the demo agent may still be self-testing its sandbox
  const nodeId = await demoNodeId();

  // Seller: the demo node, online, with its price.
  await page.goto("/seller");
  await expect(page.getByRole("heading", { name: "Sign in to manage your nodes" })).toBeVisible();
  // The connect dialog offers both demo identities.
  await page.getByRole("button", { name: "Connect wallet" }).first().click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("Demo wallet", { exact: true })).toBeVisible();
  await expect(dialog.getByText("Demo seller", { exact: true })).toBeVisible();
  await page.screenshot({ path: "e2e/screenshots/connect-dialog-desktop.png" });
  await dialog.getByText("Demo seller", { exact: true }).click();
  await expect(page.getByTestId("account-button")).toContainText(short(DEMO_SELLER));
  await expect(page.getByRole("heading", { name: "Your nodes" })).toBeVisible();
  const row = page.locator(`[data-testid=seller-node-row][data-node-id="${nodeId}"]`);
  // The demo agent self-tests its sandbox before its first heartbeat.
  await expect(row.getByTestId("node-status")).toHaveText(/Available|Busy/, { timeout: 90_000 });
  await expect(row.getByTestId("node-price")).toHaveText("$0.60/h");
  await expect(row).toContainText("Demo node (this machine)"); // its seller-set name, not "CPU"
  await shoot(page, "demo-seller");

  // The account menu: who, which wallet, and the USDC balance.
  await page.getByTestId("account-button").click();
  const menu = page.getByRole("menu");
  await expect(menu).toContainText(DEMO_SELLER);
  await expect(menu).toContainText("Wallet: Demo seller");
  await expect(menu.getByTestId("usdc-balance")).toHaveText(/^\$[\d,]+\.\d{2,6} USDC$/);
  await menu.getByRole("menuitem", { name: "Sign out and disconnect wallet" }).click();
  await expect(page.getByRole("button", { name: "Connect wallet" }).first()).toBeVisible();

  // Buyer: the demo wallet, funded; its balance on the job form.
  await page.goto(`/jobs/new?node=${nodeId}`);
  await connectWallet(page, DEMO_BUYER, "Demo wallet");
  await expect(page.getByTestId("job-cost")).toBeVisible();
  await expect(page.locator("main").getByTestId("usdc-balance")).toHaveText(/^\$[\d,]+\.\d{2,6} USDC$/);
  await page.getByTestId("account-button").click();
  await expect(page.getByRole("menu").getByTestId("usdc-balance")).toHaveText(/^\$[\d,]+\.\d{2,6} USDC$/);
  await expect(page.getByRole("menu")).toContainText("admin");
  await shoot(page, "account-menu");
  await page.keyboard.press("Escape");
  await shoot(page, "job-form");

  // Admin: the same demo wallet sees the admin page (loopback PUBLIC_URL, embedded chain).
  await page.goto("/admin");
  await expect(page.getByTestId("stat-volume")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByText("admins only")).toHaveCount(0);
  await shoot(page, "demo-admin");

  // The footer's Status link: a page for people, not raw JSON.
  await page.getByRole("contentinfo").getByRole("link", { name: "Status" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole("heading", { name: "Status" })).toBeVisible();
  await expect(page.getByTestId("status-overall")).toContainText("All systems operational");
  for (const part of ["database", "redis", "chain", "agents", "settlement"]) {
    await expect(page.getByTestId(`status-${part}`)).toContainText("Operational");
  }
  await expect(page.getByTestId("status-agents")).toContainText(/[1-9]\d* online of \d+ registered nodes/);
  await expect(page.getByTestId("status-chain")).toContainText(/block \d+/);
  await shoot(page, "status");
  // /api/health stays JSON for machines.
  const health = await page.request.get("/api/health");
  expect(health.ok()).toBe(true);
  expect(await health.json()).toMatchObject({ status: "ok", db: "ok", redis: "ok" });
});
