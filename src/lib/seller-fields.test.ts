import { describe, expect, it } from "vitest";
import { endpointSchema, nodeNameSchema, priceSchema } from "@computeswarm/protocol";
import { endpointProblem, nodeNameProblem, priceProblem } from "./seller-fields";

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
      expect(priceProblem(v) === undefined, v).toBe(priceSchema.safeParse(v.trim()).success);
    }
  });
  it("endpoint", () => {
    for (const v of ["", "https://gpu.example", "agent://x", "ftp://x", "http://a b", `https://${"a".repeat(250)}`]) {
      expect(endpointProblem(v) === undefined, v).toBe(endpointSchema.safeParse(v.trim()).success);
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
      expect(nodeNameProblem(v) === undefined, JSON.stringify(v)).toBe(nodeNameSchema.safeParse(v.trim()).success);
    }
  });
});
