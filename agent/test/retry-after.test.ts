import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { MarketplaceClient } from "../src/marketplace/client";
import { MarketplaceHttpError, parseRetryAfter, retryDelayMs } from "../src/marketplace/errors";

/** A marketplace whose storage is busy answers 503 with Retry-After: the agent stays away at least that long. */
describe("Retry-After", () => {
  it("is read from a 503 and waited out, spread by up to half again", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "5" });
      res.end(JSON.stringify({ error: { code: "SERVICE_UNAVAILABLE", message: "storage busy" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const client = new MarketplaceClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        agentToken: "csa_" + "x".repeat(40),
      });
      const err = await client.claim({ waitSeconds: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MarketplaceHttpError);
      expect((err as MarketplaceHttpError).status).toBe(503);
      expect((err as MarketplaceHttpError).retryAfterMs).toBe(5000);
      expect(retryDelayMs(err, 250, () => 0)).toBe(5000);
      expect(retryDelayMs(err, 250, () => 1)).toBe(7500);
      // A longer backoff of its own still wins.
      expect(retryDelayMs(err, 20_000, () => 0)).toBe(20_000);
    } finally {
      server.close();
    }
  });

  it("without the header the backoff stands; nonsense is ignored; a huge value is capped", () => {
    expect(retryDelayMs(new Error("reset"), 800)).toBe(800);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("86400")).toBe(300_000);
  });
});
