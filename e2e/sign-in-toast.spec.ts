import { generatePrivateKey } from "viem/accounts";
import { expect, test } from "./helpers/guard";
import { installInjectedWallet, E2E_WALLET_NAME } from "./helpers/injected-wallet";
import { short } from "./helpers/pages";

/**
 * A sign-in that fails (here a faulty wallet signs with another key, so the server
 * rejects the signature) shows a toast with the server's reason: inside the viewport at
 * desktop and phone widths, clear of the header's "Sign in" button, and dismissable.
 */
for (const viewport of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  test(`sign-in failure toast at ${viewport.width} px: visible, clear of the header, dismissable`, async ({
    page,
    guard,
  }) => {
    guard.allowConsole(/401|Unauthorized|signature does not match/i);
    await page.setViewportSize(viewport);
    const wallet = await installInjectedWallet(page, generatePrivateKey(), { signMessagesWith: generatePrivateKey() });
    await page.goto("/");
    await page.getByRole("button", { name: "Connect wallet" }).first().click();
    await page.getByRole("dialog").getByText(E2E_WALLET_NAME, { exact: true }).click();

    const toast = page.getByTestId("toast");
    await expect(toast).toContainText(/Sign-in failed: The signature does not match/);
    // The pointer on it holds it open (it closes itself after a few seconds): a loaded machine may take that long.
    await toast.hover();
    await expect(toast).toBeInViewport({ ratio: 1 });
    const box = (await toast.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    // It covers nothing in the header: the retry stays clickable.
    const header = (await page.locator("header").first().boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(header.y + header.height);
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    if (viewport.width >= 640) await expect(page.getByText(short(wallet.account.address))).toBeVisible();
    await page.screenshot({ path: `e2e/screenshots/sign-in-toast-${viewport.width}.png` });

    const dismiss = toast.getByRole("button", { name: "Dismiss" });
    await expect(dismiss).toBeInViewport({ ratio: 1 });
    await dismiss.click();
    await expect(toast).toHaveCount(0);
    // The header still offers the retry.
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  });
}
