import { describe, expect, it } from "vitest";
import { OutputCollector } from "../src/executor/output-collector";

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

describe("output that is not plain text", () => {
  it("keeps NUL and invalid UTF-8 exactly in base64, shows them as ␀ and �, and never streams a raw NUL", () => {
    const streamed: string[] = [];
    const c = new OutputCollector(1024, (_s, t) => streamed.push(t));
    const raw = Buffer.from([0x61, 0x00, 0x62, 0xff, 0xfe, 0x0a, 0xe2, 0x82]);
    c.push("stdout", raw);
    const r = c.finish();
    expect(Buffer.from(r.outputBase64!, "base64")).toEqual(raw);
    expect(r.output).toBe("a\u2400b\ufffd\ufffd\n\ufffd");
    expect(streamed.join("")).not.toContain("\0");
    expect(streamed.join("")).toContain("a\u2400b");
  });

  it("sends plain UTF-8 as text only", () => {
    const c = new OutputCollector(1024);
    c.push("stdout", Buffer.from("héllo ✓\n"));
    expect(c.finish()).toEqual({ output: "héllo ✓\n", outputTruncated: false });
  });
});
