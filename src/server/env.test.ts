import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("configuration", () => {
  it("runs on the embedded defaults with nothing set", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      CHAIN: "local",
      DATA_DIR: ".data",
      RATE_LIMIT_DISCOVERY_PER_MIN: 10,
      RATE_LIMIT_JOB_SUBMIT_PER_MIN: 1,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ADMIN_ADDRESSES).toEqual([]);
  });

  it("names every bad variable and what it expects", () => {
    const bad = () =>
      parseEnv({
        DATABASE_URL: "mysql://nope",
        REDIS_URL: "localhost:6379",
        ADMIN_ADDRESSES: "0x123",
        RATE_LIMIT_DISCOVERY_PER_MIN: "ten",
        CHAIN: "solana",
      });
    expect(bad).toThrow(EnvError);
    const message = (() => {
      try {
        bad();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toMatch(/DATABASE_URL: a postgresql:\/\/ connection URL/);
    expect(message).toMatch(/REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(/ADMIN_ADDRESSES\.0: a 0x-prefixed 20-byte hex address/);
    expect(message).toMatch(/RATE_LIMIT_DISCOVERY_PER_MIN/);
    expect(message).toMatch(/CHAIN/);
  });

  it("requires an RPC URL and a relayer key (or facilitator) on real networks", () => {
    expect(() => parseEnv({ CHAIN: "base" })).toThrow(/RPC_URL: required when CHAIN=base/);
    expect(() => parseEnv({ CHAIN: "base", RPC_URL: "https://rpc.example" })).toThrow(/RELAYER_PRIVATE_KEY/);
    expect(
      parseEnv({ CHAIN: "base", RPC_URL: "https://rpc.example", FACILITATOR_URL: "https://f.example" }).CHAIN,
    ).toBe("base");
  });

  it("treats empty strings as unset and parses lists and booleans", () => {
    const env = parseEnv({
      DATABASE_URL: "",
      ADMIN_ADDRESSES: " 0x00000000000000000000000000000000000000aA , ",
      RATE_LIMIT_ENABLED: "false",
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ADMIN_ADDRESSES).toEqual(["0x00000000000000000000000000000000000000aA"]);
    expect(env.RATE_LIMIT_ENABLED).toBe(false);
  });
});
