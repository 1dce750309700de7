import { describe, expect, it } from "vitest";
import { endpointSchema, nodeNameSchema, priceSchema } from "@computeswarm/protocol";
import { endpointField, nodeNameField, priceField } from "./seller-fields";

/** The form checks agree with the protocol's schemas (the server's rule), value by value. */
describe("seller form checks follow the protocol", () => {
  it("price", () => {
    for (const v of [
      "0",
      "2.50",
      "0.000001",
      "10000",
      "10000.5",
      "1.1234567",
      "abc",
      "",
      "-1",
      "99999",
      "1e3",
      " 2 ",
    ]) {
      expect(priceField.safeParse(v).success, v).toBe(priceSchema.safeParse(v.trim()).success);
    }
  });
  it("endpoint", () => {
    for (const v of ["", "https://gpu.example", "agent://x", "ftp://x", "http://a b", `https://${"a".repeat(250)}`]) {
      expect(endpointField.safeParse(v).success, v).toBe(endpointSchema.safeParse(v.trim()).success);
    }
  });
  it("node name (trimmed, as the page sends it)", () => {
    for (const v of [
      "",
      "lab-h200-1",
      "  padded  ",
      "x".repeat(64),
      "x".repeat(65),
      "a\u0000b",
      "two\nlines",
      "tab\there",
      "é✓",
    ]) {
      expect(nodeNameField.safeParse(v).success, JSON.stringify(v)).toBe(nodeNameSchema.safeParse(v.trim()).success);
    }
  });
  it("says what to type, in the words the journeys read", () => {
    const first = (r: { error?: { issues: { message: string }[] } }) => r.error?.issues[0]?.message;
    expect(first(priceField.safeParse(""))).toBe("Enter a price per hour, e.g. 2.50 (0 for free).");
    expect(first(priceField.safeParse("abc"))).toBe("A number in USD with at most 6 decimals, e.g. 2.50.");
    expect(first(priceField.safeParse("20000"))).toBe("At most 10,000 USD per hour.");
    expect(first(endpointField.safeParse("ftp://x"))).toBe("An http(s):// or agent:// URL, or leave it empty.");
    expect(first(nodeNameField.safeParse("two\nlines"))).toBe("No line breaks, tabs or other control characters.");
  });
});
