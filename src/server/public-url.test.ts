import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";
import { publicOrigin, publicUrl, signInHosts } from "./public-url";

describe("the public URL", () => {
  it("defaults to localhost on the configured port, and an explicit one wins", () => {
    expect(parseEnv({}).PUBLIC_URL).toBe("http://localhost:3000");
    expect(parseEnv({ PORT: "3100" }).PUBLIC_URL).toBe("http://localhost:3100");
    expect(parseEnv({ PORT: "3100", PUBLIC_URL: "https://market.example" }).PUBLIC_URL).toBe("https://market.example");
  });

  it("builds links from it, never from the bind address", () => {
    const env = parseEnv({ PORT: "3100", HOST: "0.0.0.0" });
    expect(publicUrl(env, "/api/x402/jobs/abc")).toBe("http://localhost:3100/api/x402/jobs/abc");
    expect(publicOrigin(parseEnv({ PUBLIC_URL: "https://market.example/" }))).toBe("https://market.example");
  });

  it("accepts the other loopback name only for a loopback address", () => {
    expect(signInHosts(parseEnv({ PORT: "3100" }))).toEqual(["localhost:3100", "127.0.0.1:3100"]);
    expect(signInHosts(parseEnv({ PUBLIC_URL: "http://127.0.0.1:4000" }))).toEqual([
      "127.0.0.1:4000",
      "localhost:4000",
    ]);
    expect(signInHosts(parseEnv({ PUBLIC_URL: "https://market.example" }))).toEqual(["market.example"]);
  });
});
