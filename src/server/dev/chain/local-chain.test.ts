import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount } from "./accounts";
import { findAnvilBinary, startAnvil, type AnvilInstance } from "./anvil";
import { contractsSourceHash, multicall3Abi, multicall3DeployedBytecode, testUsdcAbi } from "./artifacts";
import {
  ANVIL_DEPLOYER_ADDRESS,
  DEFAULT_DEMO_BUYER_FUNDS,
  localUsdcAddress,
  MULTICALL3_ADDRESS,
  mintTestUsdc,
  predictTestUsdcAddress,
  setupLocalChain,
} from "./local-chain";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("artifacts", () => {
  it("were built from the current contracts/*.sol (else run npm run contracts:build)", () => {
    const dir = new URL("../../../../contracts/", import.meta.url);
    const h = createHash("sha256");
    for (const name of readdirSync(dir)
      .filter((f) => f.endsWith(".sol"))
      .sort()) {
      h.update(name)
        .update("\0")
        .update(readFileSync(new URL(name, dir), "utf8"))
        .update("\0");
    }
    expect(h.digest("hex")).toBe(contractsSourceHash);
  });
});

describe("anvil accounts", () => {
  it("derives the standard test mnemonic's accounts", () => {
    expect(anvilAccount(0).address).toBe(ANVIL_DEPLOYER_ADDRESS);
    expect(anvilAccount(1).address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(anvilAccount(0).privateKey).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("startAnvil", () => {
  it("finds the binary in node_modules", () => {
    expect(findAnvilBinary()).toMatch(/@foundry-rs\/anvil-[a-z0-9]+-[a-z0-9]+\/bin\/anvil/);
  });

  it("starts on a free loopback port with chain id 31337 and stops by pid", async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([startAnvil(), startAnvil()]);
    const ms = performance.now() - started;
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createPublicClient({ transport: http(a.rpcUrl) });
      expect(await client.getChainId()).toBe(31337);
      expect(await client.getBalance({ address: anvilAccount(9).address })).toBe(10_000n * 10n ** 18n);
      expect(isAlive(a.pid)).toBe(true);
      expect(ms).toBeLessThan(5000);
    } finally {
      await a.stop();
      await b.stop();
      await a.stop(); // idempotent
    }
    expect(isAlive(a.pid)).toBe(false);
    expect(isAlive(b.pid)).toBe(false);
  });

  it("reports a clear error for a missing binary", async () => {
    await expect(startAnvil({ binary: "/nonexistent/anvil" })).rejects.toThrow(/anvil: failed to start/);
  });
});

describe("setupLocalChain", () => {
  let anvil: AnvilInstance;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it("installs Multicall3, deploys TestUSDC at its deterministic address and funds the demo buyer; idempotent", async () => {
    const started = performance.now();
    const local = await setupLocalChain(anvil.rpcUrl);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(3000);
    expect(local.usdcAddress).toBe(localUsdcAddress());
    expect(local.usdcAddress).toBe(predictTestUsdcAddress());
    expect(local.chainId).toBe(31337);
    expect(local.deployer.address).toBe(ANVIL_DEPLOYER_ADDRESS);
    expect(local.relayer).toEqual(local.deployer);
    expect(local.demoBuyer.address).toBe(anvilAccount(1).address);
    expect(local.usdc).toEqual({
      name: "USD Coin",
      version: "2",
      symbol: "USDC",
      decimals: 6,
    });

    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    expect(await client.getCode({ address: MULTICALL3_ADDRESS })).toBe(multicall3DeployedBytecode);
    const balance = () =>
      client.readContract({
        address: local.usdcAddress,
        abi: testUsdcAbi,
        functionName: "balanceOf",
        args: [local.demoBuyer.address],
      });
    expect(await balance()).toBe(DEFAULT_DEMO_BUYER_FUNDS);

    // Multicall3 answers as viem expects (aggregate3) and as x402 expects (tryAggregate).
    const [name, decimals] = await client.multicall({
      multicallAddress: MULTICALL3_ADDRESS,
      contracts: [
        { address: local.usdcAddress, abi: testUsdcAbi, functionName: "name" },
        {
          address: local.usdcAddress,
          abi: testUsdcAbi,
          functionName: "decimals",
        },
      ],
      allowFailure: false,
    });
    expect([name, decimals]).toEqual(["USD Coin", 6]);
    const { result: tried } = await client.simulateContract({
      address: MULTICALL3_ADDRESS,
      abi: multicall3Abi,
      functionName: "tryAggregate",
      args: [false, [{ target: local.usdcAddress, callData: "0xdeadbeef" }]],
    });
    expect(tried).toEqual([{ success: false, returnData: "0x" }]);
    expect(
      await client.readContract({
        address: MULTICALL3_ADDRESS,
        abi: multicall3Abi,
        functionName: "getChainId",
      }),
    ).toBe(31337n);

    // Second run: nothing redeployed, buyer topped up to the target again.
    await mintTestUsdc(anvil.rpcUrl, local.demoBuyer.address, 5n);
    const again = await setupLocalChain(anvil.rpcUrl, {
      demoBuyerFunds: DEFAULT_DEMO_BUYER_FUNDS + 10n,
    });
    expect(again.usdcAddress).toBe(local.usdcAddress);
    expect(await balance()).toBe(DEFAULT_DEMO_BUYER_FUNDS + 10n);
  });

  it("deploys at the same address on a fresh anvil", async () => {
    const other = await startAnvil();
    try {
      const local = await setupLocalChain(other.rpcUrl);
      expect(local.usdcAddress).toBe(localUsdcAddress());
    } finally {
      await other.stop();
    }
  });

  it("a token with another domain name lands at another address", async () => {
    const local = await setupLocalChain(anvil.rpcUrl, {
      token: { name: "USDC" },
    });
    expect(local.usdcAddress).not.toBe(localUsdcAddress());
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    expect(
      await client.readContract({
        address: local.usdcAddress,
        abi: testUsdcAbi,
        functionName: "name",
      }),
    ).toBe("USDC");
  });
});
