import { DEFAULT_ASSETS } from "@x402/evm";
import { describe, expect, it } from "vitest";
import { localUsdcAddress } from "../dev/chain/local-chain";
import { explorerTxUrl, getNetwork, getNetworkByCaip2, NETWORK_NAMES, NETWORKS, usdcDomainExtra } from "./networks";

describe("networks", () => {
  it("has local, base-sepolia and base with consistent ids", () => {
    expect(NETWORK_NAMES).toEqual(["local", "base-sepolia", "base"]);
    for (const name of NETWORK_NAMES) {
      const n = getNetwork(name);
      expect(n.name).toBe(name);
      expect(n.chain.id).toBe(n.chainId);
      expect(n.caip2).toBe(`eip155:${n.chainId}`);
      expect(n.usdc.decimals).toBe(6);
      expect(getNetworkByCaip2(n.caip2)).toBe(n);
    }
    expect(getNetwork("local").chainId).toBe(31337);
    expect(getNetwork("base-sepolia").chainId).toBe(84532);
    expect(getNetwork("base").chainId).toBe(8453);
  });

  it("uses each network's real USDC address and EIP-712 domain (as @x402/evm's default assets do)", () => {
    for (const name of ["base", "base-sepolia"] as const) {
      const n = NETWORKS[name];
      const known = DEFAULT_ASSETS[n.caip2]?.[0];
      expect(known).toBeDefined();
      expect(n.usdc.address).toBe(known?.asset);
      expect(usdcDomainExtra(n)).toEqual({
        name: known?.name,
        version: known?.version,
      });
    }
    expect(usdcDomainExtra(NETWORKS.base)).toEqual({
      name: "USD Coin",
      version: "2",
    });
    expect(usdcDomainExtra(NETWORKS["base-sepolia"])).toEqual({
      name: "USDC",
      version: "2",
    });
    expect(usdcDomainExtra(NETWORKS.local)).toEqual({
      name: "USD Coin",
      version: "2",
    });
    expect(NETWORKS.local.usdc.address).toBe(localUsdcAddress());
  });

  it("overrides the local token address on request and rejects unknown names", () => {
    const addr = "0x000000000000000000000000000000000000dEaD" as const;
    expect(getNetwork("local", { usdcAddress: addr }).usdc.address).toBe(addr);
    expect(NETWORKS.local.usdc.address).not.toBe(addr);
    expect(() => getNetwork("mainnet" as never)).toThrow(/unknown network/);
    expect(getNetworkByCaip2("eip155:1")).toBeUndefined();
  });

  it("builds explorer links where there is an explorer", () => {
    expect(explorerTxUrl(NETWORKS.base, "0xabc")).toBe("https://basescan.org/tx/0xabc");
    expect(explorerTxUrl(NETWORKS["base-sepolia"], "0xabc")).toBe("https://sepolia.basescan.org/tx/0xabc");
    expect(explorerTxUrl(NETWORKS.local, "0xabc")).toBeNull();
  });
});
