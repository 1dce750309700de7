import { describe, expect, it } from "vitest";
import { formatUsd, usdAmount } from "./format";

describe("usdAmount: the one formatter for amounts on the pages", () => {
  it("rounds sub-dollar amounts to at most 4 decimals, half up, with the exact amount for a tooltip", () => {
    expect(usdAmount("0.001667")).toEqual({ text: "$0.0017", exact: "$0.001667" });
    expect(usdAmount("0.208334")).toEqual({ text: "$0.2083", exact: "$0.208334" });
    expect(usdAmount("0.00015")).toEqual({ text: "$0.0002", exact: "$0.00015" });
    expect(usdAmount("0.99996")).toEqual({ text: "$1.00", exact: "$0.99996" });
  });
  it("keeps exact amounts as they are; sub-cent ones still carry a tooltip", () => {
    expect(usdAmount("0.0375")).toEqual({ text: "$0.0375" });
    expect(usdAmount("0.005")).toEqual({ text: "$0.005", exact: "$0.005" });
    expect(usdAmount("0.06")).toEqual({ text: "$0.06" });
    expect(usdAmount("0.5")).toEqual({ text: "$0.50" });
    expect(usdAmount("0")).toEqual({ text: "$0.00" });
    expect(usdAmount("0.000000")).toEqual({ text: "$0.00" });
  });
  it("shows dollars and up in cents, grouped", () => {
    expect(formatUsd("2.5")).toBe("$2.50");
    expect(formatUsd("10000")).toBe("$10,000.00");
    expect(usdAmount("1234.5678")).toEqual({ text: "$1,234.57", exact: "$1,234.5678" });
    expect(formatUsd("1.005")).toBe("$1.01");
  });
  it("never shows a non-zero amount as $0.00: two significant digits below $0.0001", () => {
    expect(usdAmount("0.000042")).toEqual({ text: "$0.000042", exact: "$0.000042" });
    expect(usdAmount("0.000001")).toEqual({ text: "$0.000001", exact: "$0.000001" });
    expect(usdAmount("0.0000456")).toEqual({ text: "$0.000046", exact: "$0.0000456" });
  });
  it("signs, units and missing values", () => {
    expect(formatUsd("-0.001667")).toBe("-$0.0017");
    expect(formatUsd("0.06", { unit: "USDC" })).toBe("$0.06 USDC");
    expect(formatUsd(null)).toBe("—");
    expect(formatUsd("")).toBe("—");
    expect(formatUsd("abc")).toBe("abc");
  });
});
