import { describe, expect, it } from "vitest";
import { ndjsonLines } from "./ndjson";

describe("ndjsonLines", () => {
  it("gives each complete line once, however the text is split, and skips blank lines", () => {
    const got: string[] = [];
    const lines = ndjsonLines((l) => got.push(l));
    const text = '{"seq":0}\n\n  \n{"seq":1,"data":"a\\nb"}\n{"seq":2}';
    for (const piece of text.split(/(?<=.{3})/)) lines.push(piece); // three characters at a time
    expect(got).toEqual(['{"seq":0}', '{"seq":1,"data":"a\\nb"}']);
    expect(lines.waiting).toBe('{"seq":2}'.length);
    lines.end();
    expect(got.at(-1)).toBe('{"seq":2}');
    expect(lines.waiting).toBe(0);
  });

  it("takes several lines in one push", () => {
    const got: string[] = [];
    const lines = ndjsonLines((l) => got.push(l));
    lines.push("a\nb\nc\n");
    lines.end();
    expect(got).toEqual(["a", "b", "c"]);
  });
});
