import { test as base, expect, type Page } from "@playwright/test";

/**
 * Every journey runs under two guards, asserted after the test:
 *  - no console errors and no uncaught page errors;
 *  - no request to any host but this machine (localhost / 127.0.0.1 / ::1):
 *    wallets, fonts, analytics and RPCs of real chains must not be called.
 * Outside requests are also aborted, so a leak cannot slow a test down.
 */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLocalUrl(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith("about:")) return true;
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

export interface Guard {
  consoleErrors: string[];
  outsideRequests: string[];
  /** Console errors matching these are expected by the test (e.g. a deliberate 402). */
  allowConsole(pattern: RegExp): void;
}

export const test = base.extend<{ guard: Guard }>({
  guard: [
    async ({ context }, use) => {
      const guard: Guard & { allowed: RegExp[] } = {
        consoleErrors: [],
        outsideRequests: [],
        allowed: [],
        allowConsole(pattern) {
          this.allowed.push(pattern);
        },
      };
      await context.route(
        (url) => !isLocalUrl(url.toString()),
        async (route) => {
          guard.outsideRequests.push(route.request().url());
          await route.abort("blockedbyclient");
        },
      );
      const watch = (page: Page) => {
        page.on("console", (msg) => {
          if (msg.type() === "error") guard.consoleErrors.push(`${page.url()}: ${msg.text()}`);
        });
        page.on("pageerror", (err) => guard.consoleErrors.push(`${page.url()}: uncaught ${err.message}`));
      };
      context.pages().forEach(watch);
      context.on("page", watch);
      await use(guard);
      const errors = guard.consoleErrors.filter((e) => !guard.allowed.some((p) => p.test(e)));
      expect(guard.outsideRequests, "requests to hosts other than this machine").toEqual([]);
      expect(errors, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
