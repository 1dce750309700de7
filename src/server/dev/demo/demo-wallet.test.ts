import { describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { parseEnv } from "../../env";
import { DEMO_SELLER_ADDRESS, DEMO_SELLER_PRIVATE_KEY, demoWallet } from "./demo-wallet";
import type { LocalState } from "../../deps";

/** The "Demo seller" identity: the demo node's owner, offered only where the demo admin is. */
describe("the demo seller", () => {
  const local: LocalState = {};
  const at = (vars: Record<string, string>) => demoWallet({ env: parseEnv(vars), local });

  it("is the demo node's seller (anvil account #2), offered on the embedded default served on this machine", () => {
    expect(privateKeyToAccount(DEMO_SELLER_PRIVATE_KEY).address).toBe("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    expect(at({}).seller).toEqual({ privateKey: DEMO_SELLER_PRIVATE_KEY, address: DEMO_SELLER_ADDRESS });
    expect(at({ PORT: "3100" }).seller?.address).toBe(DEMO_SELLER_ADDRESS);
    expect(at({ PUBLIC_URL: "http://127.0.0.1:3000" }).seller?.address).toBe(DEMO_SELLER_ADDRESS);
  });

  it("is never offered with a public URL, someone else's chain, a real network or a shared database", () => {
    expect(at({ PUBLIC_URL: "https://market.example" })).toMatchObject({ enabled: true });
    expect(at({ PUBLIC_URL: "https://market.example" })).not.toHaveProperty("seller");
    expect(at({ RPC_URL: "http://127.0.0.1:8545" })).not.toHaveProperty("seller");
    expect(
      at({ CHAIN: "base", RPC_URL: "https://base.example", RELAYER_PRIVATE_KEY: `0x${"1".repeat(64)}` }),
    ).not.toHaveProperty("seller");
    expect(at({ DATABASE_URL: "postgresql://db/market" })).not.toHaveProperty("seller");
  });
});

describe("demo wallet", () => {
  const local: LocalState = { embeddedRpcUrl: "http://127.0.0.1:9999" };
  it("is offered only on the embedded chain", () => {
    const embedded = demoWallet({ env: parseEnv({}), local });
    expect(embedded).toMatchObject({
      enabled: true,
      chainId: 31337,
      address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      rpcUrl: "http://127.0.0.1:9999",
    });
    expect(demoWallet({ env: parseEnv({ RPC_URL: "http://127.0.0.1:8545" }), local })).toEqual({
      enabled: false,
      chainId: 31337,
      marketplaceUrl: "http://localhost:3000",
    });
    const base = demoWallet({
      env: parseEnv({ CHAIN: "base", RPC_URL: "https://base.example", RELAYER_PRIVATE_KEY: `0x${"1".repeat(64)}` }),
      local,
    });
    expect(base).toEqual({ enabled: false, chainId: 8453, marketplaceUrl: "http://localhost:3000" });
  });
});
