import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/util/logger";
import { AGENT_VERSION } from "../src/version";

describe("logger", () => {
  it("writes one pino-style JSON object per line", () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.info("job started", { jobId: "j1" });
    log.debug("hidden at info level");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: 30, msg: "job started", jobId: "j1", pid: process.pid });
    expect(typeof rec.time).toBe("number");
  });

  it("redacts secret-looking fields at any depth", () => {
    const lines: string[] = [];
    createLogger((l) => lines.push(l)).warn("x", {
      agentToken: "t0k",
      nested: { privateKey: "0xkey", authorization: "Bearer t0k" },
      ok: "visible",
    });
    expect(lines[0]).not.toContain("t0k");
    expect(lines[0]).not.toContain("0xkey");
    expect(JSON.parse(lines[0]!)).toMatchObject({ agentToken: "[redacted]", ok: "visible" });
  });
});

describe("version", () => {
  it("matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
