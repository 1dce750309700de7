import { describe, expect, it } from "vitest";
import Decimal from "decimal.js";
import superjson from "superjson";
import { transformer } from "./transformer";

describe("tRPC transformer", () => {
  it("sends plain JSON exactly as superjson would, without its walk", () => {
    const page = {
      items: [{ id: "a", price: "0.9", vramMiB: 81920, tags: ["x"], reliability: null, live: true, nested: { n: 1 } }],
      nextCursor: null,
    };
    expect(transformer.serialize(page)).toEqual(superjson.serialize(page));
    expect(transformer.deserialize(transformer.serialize(page))).toEqual(page);
    expect(transformer.serialize("text")).toEqual({ json: "text" });
  });

  it("falls back to superjson for what JSON cannot carry, and it round-trips", () => {
    const when = new Date("2026-12-04T12:00:00Z");
    const cases: unknown[] = [
      { when },
      { price: new Decimal("1.25") },
      { gone: undefined },
      [1, Number.NaN],
      { n: -0 },
      { big: 10n },
      { m: new Map([["k", 1]]) },
      [{ deep: [{ deeper: new Set([1]) }] }],
    ];
    for (const value of cases) {
      const wire = transformer.serialize(value);
      expect(wire, JSON.stringify(wire)).toEqual(superjson.serialize(value));
      expect(wire.meta).toBeDefined();
      expect(transformer.deserialize(JSON.parse(JSON.stringify(wire)))).toEqual(value);
    }
  });
});
