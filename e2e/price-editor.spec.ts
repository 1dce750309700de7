import { expect, test } from "./helpers/guard";
import { connectWallet } from "./helpers/pages";
import { DEMO_SELLER, demoNodeId } from "./helpers/demo";

/**
 * The seller's inline price editor at 1280 px: the current price is readable in
 * the field (not clipped), and an invalid price says what is wrong in words
 * before anything is signed. Nothing is saved: the demo node keeps its price.
 */
test("seller: the price editor shows the value and explains an invalid price (1280 px)", async ({ page }) => {
  test.setTimeout(180_000); // the demo node may still be starting
  await page.setViewportSize({ width: 1280, height: 800 });
  const nodeId = await demoNodeId();
  await page.goto("/seller");
  await connectWallet(page, DEMO_SELLER, "Demo seller");
  const row = page.locator(`[data-testid=seller-node-row][data-node-id="${nodeId}"]`);
  await expect(row.getByTestId("node-price")).toHaveText("$0.60/h");

  await row.getByRole("button", { name: "Change price" }).click();
  const input = row.getByLabel("Price per hour (USD)");
  await expect(input).toBeVisible();
  await expect(input).toHaveValue(/^0\.60*$/);
  // The whole value fits in the field: wide enough, nothing scrolled out of sight.
  const fit = await input.evaluate((el: HTMLInputElement) => ({
    width: el.getBoundingClientRect().width,
    clipped: el.scrollWidth > el.clientWidth,
  }));
  expect(fit.width).toBeGreaterThanOrEqual(72);
  expect(fit.clipped).toBe(false);
  await page.screenshot({ path: "e2e/screenshots/price-editor-1280.png" });

  for (const [typed, message] of [
    ["abc", "A number in USD with at most 6 decimals"],
    ["1.1234567", "A number in USD with at most 6 decimals"],
    ["", "Enter a price per hour"],
  ] as const) {
    await input.fill(typed);
    // Shown as you type or when you try to save; either way before any signature.
    const save = row.getByRole("button", { name: "Save" });
    if (await save.isEnabled()) await save.click();
    await expect(row.getByText(message)).toBeVisible();
    await expect(input).toHaveAttribute("aria-invalid", "true");
  }
  await page.screenshot({ path: "e2e/screenshots/price-editor-invalid-1280.png" });

  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByTestId("node-price")).toHaveText("$0.60/h");
});
