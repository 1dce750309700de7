import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { createChainService, getChain, paymentNetwork, stopEmbeddedChain } from "./chain-service";
import { usdcBalance } from "./chain/usdc-reads";
import { anvilAccount } from "../dev/chain/accounts";
import { getNetwork } from "./networks";
import type { LocalState } from "../deps";
import { loadLocalDev } from "../dev/load";

// What createDeps does for CHAIN=local before anything quotes.
beforeAll(() => loadLocalDev());
afterAll(() => stopEmbeddedChain());

describe("the payment chain from the environment", () => {
  it("embedded default: CHAIN=local without RPC_URL starts anvil once per process, with USDC and a funded demo buyer", async () => {
    const env = parseEnv({ NODE_ENV: "test" });
    const local: LocalState = {};
    const chain = await getChain({ env, local });
    expect(chain).toMatchObject({ embedded: true, facilitator: { kind: "in-process" } });
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.embeddedRpcUrl).toBe(chain.rpcUrl);
    expect(await getChain({ env, local })).toBe(chain);
    // A second Deps in the same process shares the one anvil.
    expect((await createChainService(env)).rpcUrl).toBe(chain.rpcUrl);
    expect(chain.relayer?.address).toBe(anvilAccount(0).address);
    const demo = chain.demoBuyer!.address;
    expect(await usdcBalance(chain.publicClient, chain.network.usdc.address, demo)).toBeGreaterThanOrEqual(
      1_000_000_000n,
    );
    expect(chain.network).toMatchObject({
      label: "Local chain (anvil)",
      caip2: "eip155:31337",
      chainId: 31337,
      usdc: { address: getNetwork("local").usdc.address, name: "USD Coin", version: "2", decimals: 6 },
      explorerUrl: null,
    });
    expect(demo).toBe(anvilAccount(1).address);
  });

  it("quotes need no chain: the network comes from CHAIN (and USDC_DOMAIN_NAME)", () => {
    expect(
      paymentNetwork(
        parseEnv({ CHAIN: "base", RPC_URL: "https://rpc.example", RELAYER_PRIVATE_KEY: `0x${"11".repeat(32)}` }),
      ),
    ).toMatchObject({
      caip2: "eip155:8453",
      usdc: { address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin" },
    });
    expect(
      paymentNetwork(
        parseEnv({ CHAIN: "base-sepolia", RPC_URL: "https://rpc.example", FACILITATOR_URL: "https://f.example" }),
      ).usdc.name,
    ).toBe("USDC");
    const renamed = paymentNetwork(parseEnv({ USDC_DOMAIN_NAME: "Test Dollar" }));
    expect(renamed.usdc.name).toBe("Test Dollar");
    expect(renamed.usdc.address).not.toBe(getNetwork("local").usdc.address);
  });
});
