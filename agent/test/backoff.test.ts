import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../src/util/backoff";

describe("backoffDelayMs", () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  it("doubles per attempt, between half and all of the ceiling", () => {
    expect(backoffDelayMs(0, opts, () => 0)).toBe(250);
    expect(backoffDelayMs(0, opts, () => 1)).toBe(500);
    expect(backoffDelayMs(3, opts, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, opts, () => 1)).toBe(4000);
  });
  it("is capped", () => {
    expect(backoffDelayMs(50, opts, () => 1)).toBe(30_000);
    expect(backoffDelayMs(1000, opts, () => 0)).toBe(15_000);
  });
  it("has jitter", () => {
    const values = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, opts)));
    expect(values.size).toBeGreaterThan(1);
  });
});
