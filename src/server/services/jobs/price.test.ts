import { describe, expect, it } from "vitest";
import { atomicToUsd, quoteAtomic, usdToAtomic } from "./price";

describe("USDC amounts", () => {
  it("converts decimal strings to atomic units and back exactly", () => {
    expect(usdToAtomic("2.5")).toBe(2_500_000n);
    expect(usdToAtomic("0.000001")).toBe(1n);
    expect(usdToAtomic("10000")).toBe(10_000_000_000n);
    expect(atomicToUsd(2_500_000n)).toBe("2.5");
    expect(atomicToUsd(1n)).toBe("0.000001");
    expect(() => usdToAtomic("1.0000001")).toThrow();
    expect(() => usdToAtomic("-1")).toThrow();
  });

  it("quotes price × duration and rounds up, never down", () => {
    expect(quoteAtomic("3.6", 3600)).toBe(3_600_000n);
    expect(quoteAtomic("3.6", 1)).toBe(1000n);
    expect(quoteAtomic("1", 1)).toBe(278n); // 277.77… rounds up
    expect(quoteAtomic("0", 3600)).toBe(0n);
    expect(quoteAtomic("0.000001", 1)).toBe(1n);
  });
});
