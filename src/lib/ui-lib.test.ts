import { describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import { atomicToUsd, formatUsdc, isFree, quoteAtomic, usdToAtomic } from "./money";
import { chainName, explorerTxUrl } from "./chains";
import {
  fillDays,
  formatDay,
  formatDuration,
  formatReliability,
  formatUsd,
  formatVram,
  imageLabel,
  shortAddress,
} from "./format";
import { describeError } from "./errors";

describe("money (shared by the browser and the server)", () => {
  it("converts decimal strings to atomic units and back exactly", () => {
    expect(usdToAtomic("2.5")).toBe(2_500_000n);
    expect(usdToAtomic("0.000001")).toBe(1n);
    expect(usdToAtomic("10000")).toBe(10_000_000_000n);
    expect(atomicToUsd(2_500_000n)).toBe("2.5");
    expect(atomicToUsd(1n)).toBe("0.000001");
    expect(() => usdToAtomic("1.0000001")).toThrow();
    expect(() => usdToAtomic("-1")).toThrow();
    expect(formatUsdc(400_000n)).toBe("0.40");
    expect(formatUsdc(416n)).toBe("0.000416");
  });

  it("quotes price × duration and rounds up, never down", () => {
    expect(quoteAtomic("3.6", 3600)).toBe(3_600_000n);
    expect(quoteAtomic("3.6", 1)).toBe(1000n);
    expect(quoteAtomic("1", 1)).toBe(278n); // 277.77… rounds up
    expect(quoteAtomic("0", 3600)).toBe(0n);
    expect(quoteAtomic("0.000001", 1)).toBe(1n);
    expect(atomicToUsd(quoteAtomic("2.50", 300))).toBe("0.208334");
  });

  it("formats dollars without floats", () => {
    expect(formatUsd("2.5")).toBe("$2.50");
    expect(formatUsd("0.000417")).toBe("$0.0004"); // rounded: format.test.ts
    expect(formatUsd("1234567.5")).toBe("$1,234,567.50");
    expect(formatUsd("10000")).toBe("$10,000.00");
    expect(formatUsd(null)).toBe("—");
    expect(isFree("0")).toBe(true);
    expect(isFree("0.000")).toBe(true);
    expect(isFree("0.01")).toBe(false);
  });
});

describe("display helpers", () => {
  it("formats hardware, durations, addresses and networks", () => {
    expect(formatVram(143771)).toBe("140 GiB");
    expect(formatVram(8192)).toBe("8 GiB");
    expect(formatVram(1536)).toBe("1.5 GiB");
    expect(formatDuration(300)).toBe("5 min");
    expect(formatDuration(5400)).toBe("1 h 30 min");
    expect(shortAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe("0x7099…79C8");
    expect(chainName("eip155:8453")).toBe("Base");
    expect(chainName("eip155:31337")).toBe("Local chain");
    expect(explorerTxUrl("eip155:84532", "0xabc")).toBe("https://sepolia.basescan.org/tx/0xabc");
    expect(explorerTxUrl("eip155:31337", "0xabc")).toBeNull();
  });
});

describe("describeError", () => {
  const trpcError = (message: string, data: Record<string, unknown>) =>
    Object.assign(new TRPCClientError(message), { data }) as TRPCClientError<never>;

  it("puts rate limits and payment refusals in words", () => {
    expect(
      describeError(
        trpcError("Too many", {
          code: "TOO_MANY_REQUESTS",
          reason: "rate_limited",
          details: { retryAfterSeconds: 12 },
        }),
      ),
    ).toBe("You're going a little fast. Please wait 12 seconds and try again.");
    expect(
      describeError(
        trpcError("Your USDC balance is 0.40, this job costs 1.20.", {
          code: "PAYMENT_REQUIRED",
          reason: "insufficient_balance",
          details: {},
        }),
      ),
    ).toBe("Your USDC balance is 0.40, this job costs 1.20. Add USDC to your wallet or shorten the maximum duration.");
    expect(
      describeError(
        trpcError("x", { code: "PAYMENT_REQUIRED", reason: "invalid_exact_evm_payload_authorization_valid_before" }),
      ),
    ).toMatch(/expired/);
    expect(
      describeError(Object.assign(new Error("User rejected the request."), { name: "UserRejectedRequestError" })),
    ).toBe("You cancelled the request in your wallet.");
  });

  it("words seller-signature refusals for signing a node change, not as payments", () => {
    const expired = describeError(trpcError("x", { code: "BAD_REQUEST", reason: "signature_expired" }));
    const reused = describeError(trpcError("x", { code: "CONFLICT", reason: "nonce_reused" }));
    expect(expired).toMatch(/signed request expired.*sign it again/);
    expect(reused).toMatch(/signed request was already used/);
    for (const text of [expired, reused]) expect(text).not.toMatch(/pay/i);
  });
});

describe("seller and admin formatting", () => {
  it("shows reliability as a percentage, never rounding a flaw up to 100%", () => {
    expect(formatReliability(null)).toBe("—");
    expect(formatReliability(1)).toBe("100%");
    expect(formatReliability(0.9996)).toBe("99.9%");
    expect(formatReliability(0.975)).toBe("98%");
    expect(formatReliability(0)).toBe("0%");
  });

  it("fills the days a chart shows, zero where nothing settled", () => {
    const now = Date.parse("2026-11-26T12:00:00Z");
    const days = fillDays([{ day: "2026-11-25", usd: "1.5" }], 3, now);
    expect(days).toEqual([
      { day: "2026-11-24", usd: "0" },
      { day: "2026-11-25", usd: "1.5" },
      { day: "2026-11-26", usd: "0" },
    ]);
    expect(formatDay("2026-11-03")).toBe("Nov 3");
  });
});

describe("imageLabel", () => {
  it("shows the image name and the start of the digest that pins it", () => {
    expect(imageLabel(`pytorch/pytorch:2.5.1@sha256:${"ab".repeat(32)}`)).toBe(
      "pytorch/pytorch:2.5.1 (sha256:abababababab…)",
    );
  });
});
