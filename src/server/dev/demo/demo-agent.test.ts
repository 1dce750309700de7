import { describe, expect, it } from "vitest";
import { demoSandboxFor, isLoopbackHost } from "./demo-agent";

describe("demo node sandbox", () => {
  it("runs jobs in bwrap when bubblewrap is installed, on any listen address", () => {
    expect(demoSandboxFor({ bwrapPath: "/usr/bin/bwrap", listenHost: "0.0.0.0", dataDir: ".data" })).toEqual({
      executor: "bwrap",
    });
  });

  it("runs unsandboxed only while the server listens on loopback, and says so", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]) {
      const s = demoSandboxFor({ bwrapPath: null, listenHost: host, dataDir: ".data" });
      expect(s).toMatchObject({ executor: "process", warning: expect.stringMatching(/UNSANDBOXED/) });
    }
  });

  it("stays off without a sandbox when the server listens beyond loopback, and says why", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "example.com"]) {
      const s = demoSandboxFor({ bwrapPath: null, listenHost: host, dataDir: ".data" });
      expect(s).toEqual({
        off: expect.stringMatching(new RegExp(`listens on ${host.replace(/\./g, "\\.")}.*bubblewrap`)),
      });
    }
  });

  it("stays off when DATA_DIR (token, database) would be inside the sandbox's read-only /usr", () => {
    expect(
      demoSandboxFor({ bwrapPath: "/usr/bin/bwrap", listenHost: "127.0.0.1", dataDir: "/usr/src/app/.data" }),
    ).toEqual({
      off: expect.stringMatching(/inside \/usr/),
    });
  });

  it("knows loopback addresses", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
  });
});
