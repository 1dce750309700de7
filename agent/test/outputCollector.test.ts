import { describe, expect, it } from "vitest";
import { OutputCollector } from "../src/executor/outputCollector";

describe("OutputCollector", () => {
  it("keeps stdout and stderr interleaved in arrival order", () => {
    const seen: string[] = [];
    const c = new OutputCollector(100, (s, t) => seen.push(`${s}:${t}`));
    c.push("stdout", Buffer.from("a"));
    c.push("stderr", Buffer.from("b"));
    c.push("stdout", Buffer.from("c"));
    expect(c.finish()).toEqual({ output: "abc", outputTruncated: false });
    expect(seen).toEqual(["stdout:a", "stderr:b", "stdout:c"]);
  });

  it("cuts at the cap without splitting a UTF-8 character and appends a note", () => {
    const c = new OutputCollector(5, () => undefined);
    c.push("stdout", Buffer.from("abcé")); // 5 bytes exactly
    c.push("stdout", Buffer.from("€uro")); // no room
    expect(c.finish()).toEqual({ output: "abcé\n[output truncated at 5 bytes]\n", outputTruncated: true });

    const d = new OutputCollector(4);
    d.push("stdout", Buffer.from("abcé")); // é would straddle the cap
    expect(d.finish().output).toBe("abc\n[output truncated at 4 bytes]\n");
  });

  it("decodes multi-byte characters split across chunks when streaming", () => {
    const seen: string[] = [];
    const c = new OutputCollector(100, (_s, t) => seen.push(t));
    const euro = Buffer.from("€");
    c.push("stdout", euro.subarray(0, 1));
    c.push("stdout", euro.subarray(1));
    expect(seen.join("")).toBe("€");
    expect(c.finish().output).toBe("€");
  });

  it("tells the live stream once that output was truncated", () => {
    const seen: string[] = [];
    const c = new OutputCollector(3, (_s, t) => seen.push(t));
    c.push("stdout", Buffer.from("abcdef"));
    c.push("stdout", Buffer.from("ghi"));
    expect(seen).toEqual(["abc", "\n[output truncated at 3 bytes]\n"]);
  });
});
