import { describe, expect, it } from "vitest";
import { assertSameOrigin } from "./same-origin";

/** Sign-in accepts both loopback names on a loopback PUBLIC_URL; so must the CSRF check of its POST. */
describe("same-origin check on a loopback PUBLIC_URL", () => {
  const at = (origin: string, publicUrl: string) => () => assertSameOrigin(new Headers({ origin }), publicUrl);

  it("accepts the other loopback name at the same port and scheme", () => {
    expect(at("http://127.0.0.1:3100", "http://localhost:3100")).not.toThrow();
    expect(at("http://localhost:3100", "http://127.0.0.1:3100")).not.toThrow();
  });

  it("refuses other ports, schemes and hosts, and aliases of a public URL", () => {
    expect(at("http://127.0.0.1:3101", "http://localhost:3100")).toThrow(/only from http:\/\/localhost:3100/);
    expect(at("https://127.0.0.1:3100", "http://localhost:3100")).toThrow();
    expect(at("http://evil.example:3100", "http://localhost:3100")).toThrow();
    expect(at("http://127.0.0.1", "https://market.example")).toThrow();
  });
});
