import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect } from "./guard";
import { E2E_WALLET_NAME } from "./injected-wallet";

export const SHOTS = "e2e/screenshots";
mkdirSync(SHOTS, { recursive: true });

/** Full-page screenshots at desktop width and at 390 px (a phone). */
export async function shoot(page: Page, name: string) {
  // From the top, so the sticky header is not stamped into the middle of a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  // Charts load on demand: wait for them.
  await expect(page.getByRole("status", { name: "Loading chart" })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300); // charts re-measure on resize
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize(size);
  await page.waitForTimeout(150);
}

/** "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" → "0x3C44…93BC", as the account button shows it. */
export const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/**
 * Connects a wallet from RainbowKit's dialog ("E2E Wallet": the injected test
 * wallet; "Demo wallet": the embedded default's) and waits for the automatic
 * Sign-In with Ethereum that follows a fresh connection.
 */
export async function connectWallet(page: Page, address: string, walletName = E2E_WALLET_NAME) {
  await page.getByRole("button", { name: "Connect wallet" }).first().click();
  await page.getByRole("dialog").getByText(walletName, { exact: true }).click();
  await expect(page.getByTestId("account-button")).toContainText(short(address));
}
