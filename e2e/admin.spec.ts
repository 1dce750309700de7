import { expect, test } from "./helpers/guard";
import { FakeAgent, H200 } from "./helpers/agent";
import { ANVIL_KEY_2, installInjectedWallet } from "./helpers/injected-wallet";
import { connectWallet, shoot } from "./helpers/pages";
import { submitJob } from "./helpers/buyer";
import { generatePrivateKey } from "viem/accounts";

/**
 * The admin journey: an admin (ADMIN_ADDRESSES = anvil #2, signing with an
 * injected browser wallet) suspends a node → it leaves the marketplace → it
 * shows as suspended in the admin table → unsuspend; both actions are in the
 * audit log. A non-admin gets the 403 page, and the admin API refuses them.
 */
const DEMO_BUYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil #1: the demo wallet, an admin on the embedded default
const RUN = Math.random().toString(36).slice(2, 6); // unique per run (e.g. with --repeat-each)
const MODEL = `NVIDIA L40S (admin e2e ${RUN})`;
let target: FakeAgent;
let free: FakeAgent;

/** Runs one job on `agent`'s node to the end `finish` gives it. */
async function runJob(baseURL: string, agent: FakeAgent, finish: (jobId: string) => Promise<unknown>) {
  const { jobId } = await submitJob(baseURL, { nodeId: agent.nodeId });
  const job = await agent.claim();
  expect(job?.id).toBe(jobId);
  await finish(jobId);
}

test.beforeAll(async ({ baseURL }) => {
  target = await new FakeAgent(baseURL!).register({
    pricePerHour: "1.10",
    gpuInfo: { ...H200, model: MODEL, vramMiB: 46068 },
  });
  free = await new FakeAgent(baseURL!).register({
    pricePerHour: "0",
    gpuInfo: { ...H200, model: "NVIDIA RTX 4090 (admin e2e)", vramMiB: 24564 },
  });
  await target.keepOnline(33);
  await free.keepOnline(5);
  // Some market activity for the stats: a paid job that settles, and jobs that end in each failure.
  await runJob(baseURL!, target, (id) => target.complete(id, "ok\n"));
  await runJob(baseURL!, free, (id) => free.complete(id, "Traceback…\n", 800, 1));
  await runJob(baseURL!, free, (id) => free.complete(id, "", 60_000, 137, true));
  await runJob(baseURL!, free, (id) => free.fail(id, "GPU fell off the bus"));
  await runJob(baseURL!, free, (id) => free.complete(id, "done\n"));
});

test.afterAll(() => {
  target?.stop();
  free?.stop();
});

test("admin: suspend a node, see it leave the marketplace, unsuspend it; the audit log records both", async ({
  page,
}) => {
  const admin = (await installInjectedWallet(page, ANVIL_KEY_2)).account.address; // ADMIN_ADDRESS in playwright.config.ts
  await page.goto("/");
  const marketRow = page.locator(`[data-testid=node-row][data-node-id="${target.nodeId}"]`);
  await expect(marketRow).toContainText(MODEL);
  await connectWallet(page, admin);

  // Admins get an Admin link.
  await page.getByRole("link", { name: "Admin", exact: true }).first().click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("stat-volume")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Nodes online by GPU model" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  // Find the node and suspend it, with a reason.
  await page.getByLabel("Search nodes").fill(`admin e2e ${RUN}`);
  const row = page.locator(`[data-testid=admin-node-row][data-node-id="${target.nodeId}"]`);
  await expect(page.getByTestId("admin-node-row")).toHaveCount(1);
  await expect(row.getByTestId("node-status")).toHaveText("Available");
  await row.getByRole("button", { name: "Suspend" }).click();
  const dialog = page.getByRole("dialog", { name: `Suspend ${MODEL}?` });
  await expect(dialog.getByRole("button", { name: "Suspend node" })).toBeDisabled();
  await dialog.getByLabel("Reason").fill("e2e: results do not match the benchmark");
  await dialog.getByRole("button", { name: "Suspend node" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("node-status")).toHaveText("Suspended");
  await expect(row.getByTestId("suspended-reason")).toHaveText("e2e: results do not match the benchmark");

  // The audit log has it.
  const suspended = page.locator(
    `[data-testid=audit-row][data-action=suspend_node][data-target-id="${target.nodeId}"]`,
  );
  await expect(suspended).toContainText("Suspended node");
  await expect(suspended).toContainText("e2e: results do not match the benchmark");
  await expect(suspended).toContainText("0x3C44…93BC");

  // Gone from the marketplace (even when offline and paused nodes are shown).
  await page.goto("/");
  await expect(page.getByTestId("node-count")).toBeVisible();
  await expect(marketRow).toHaveCount(0);
  await page.goto("/?status=all");
  await expect(page.getByTestId("node-count")).toBeVisible();
  await expect(marketRow).toHaveCount(0);

  // Listed as suspended in the admin table.
  // The paid job has settled on the embedded chain by now: the stats show it.
  await expect(async () => {
    await page.goto("/admin");
    await expect(page.getByTestId("stat-volume")).not.toContainText("$0.00", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByLabel("Node status").selectOption("suspended");
  await expect(row.getByTestId("node-status")).toHaveText("Suspended");
  await expect(page.getByTestId("admin-node-row").filter({ hasNotText: "Suspended" })).toHaveCount(0);
  await shoot(page, "admin");

  // Unsuspend.
  await page.getByLabel("Node status").selectOption("");
  await page.getByLabel("Search nodes").fill(`admin e2e ${RUN}`);
  await expect(page.getByTestId("admin-node-row")).toHaveCount(1);
  await row.getByRole("button", { name: "Unsuspend" }).click();
  await expect(row.getByTestId("node-status")).toHaveText("Available");
  await expect(
    page.locator(`[data-testid=audit-row][data-action=unsuspend_node][data-target-id="${target.nodeId}"]`),
  ).toContainText("Unsuspended node");

  await page.goto("/");
  await expect(marketRow.getByTestId("node-status")).toHaveText("Available");
});

test("a non-admin gets the 403 page, and the admin API refuses them", async ({ page, playwright, baseURL }) => {
  // Signed out, the API asks for a sign-in.
  const anonymous = await playwright.request.newContext({ baseURL });
  const out = await anonymous.get("/api/trpc/admin.stats");
  expect(out.status()).toBe(401);
  expect(JSON.stringify(await out.json())).toContain('"code":"UNAUTHORIZED"');
  await anonymous.dispose();

  // A fresh key, in an injected wallet: no admin.
  const stranger = (await installInjectedWallet(page, generatePrivateKey())).account.address;
  await page.goto("/");
  await connectWallet(page, stranger);
  await expect(page.getByRole("link", { name: "Admin", exact: true })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByTestId("forbidden")).toContainText("403: admins only");
  await expect(page.getByTestId("forbidden")).toContainText(`${stranger.slice(0, 6)}…${stranger.slice(-4)}`);
  await shoot(page, "admin-forbidden");

  // The same session cookie, straight to the API: refused.
  const stats = await page.request.get("/api/trpc/admin.stats");
  expect(stats.status()).toBe(403);
  expect(JSON.stringify(await stats.json())).toContain('"code":"FORBIDDEN"');
  const suspend = await page.request.post("/api/trpc/admin.suspendNode", {
    data: { json: { nodeId: target.nodeId, reason: "not an admin" } },
  });
  expect(suspend.status()).toBe(403);
  expect(JSON.stringify(await suspend.json())).toContain('"code":"FORBIDDEN"');
  const audit = await page.request.get("/api/trpc/admin.audit");
  expect(audit.status()).toBe(403);
});

test("the demo wallet is also an admin on the embedded default: /admin works without configuration", async ({
  page,
}) => {
  await page.goto("/");
  await connectWallet(page, DEMO_BUYER, "Demo wallet");
  await expect(page.getByRole("link", { name: "Admin", exact: true })).toBeVisible();
  await page.goto("/admin");
  await expect(page.getByTestId("forbidden")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: /admin/i }).first()).toBeVisible();
  await shoot(page, "admin-demo-wallet");
});
