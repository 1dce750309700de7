/**
 * The networks payments run on: the rows of lib/chains.ts (chain ids, names, explorers,
 * shared with the UI) plus CAIP-2 ids (what x402 v2 calls `network`), viem chain objects
 * and each network's USDC with its EIP-712 domain (what x402 puts in
 * PaymentRequirements.extra). `CHAIN` in the environment picks one.
 *
 * Note the domain names: real USDC is "USD Coin" on Base but "USDC" on Base Sepolia; a
 * wrong name makes every signature invalid.
 */
import type { Address, Chain } from "viem";
import { base, baseSepolia, foundry } from "viem/chains";
import { CHAIN_BY_NETWORK, NETWORK_NAMES, type NetworkName } from "@/lib/chains";

export { explorerTxUrl } from "@/lib/chains";
export { NETWORK_NAMES, type NetworkName };
export type Caip2Network = `eip155:${number}`;

export interface UsdcToken {
  address: Address;
  /** EIP-712 domain name. */
  name: string;
  /** EIP-712 domain version. */
  version: string;
  symbol: string;
  decimals: number;
}

export interface NetworkConfig {
  name: NetworkName;
  label: string;
  chainId: number;
  caip2: Caip2Network;
  /** viem chain object. For `local` its RPC URL is anvil's default; the running one comes from env / startAnvil. */
  chain: Chain;
  usdc: UsdcToken;
  /** Block explorer base URL, without a trailing slash; null when there is none. */
  explorerUrl: string | null;
  testnet: boolean;
}

/** A row of lib/chains.ts with what payments add to it. */
function paymentNetwork(name: NetworkName, chain: Chain, usdc: UsdcToken): NetworkConfig {
  const c = CHAIN_BY_NETWORK[name];
  if (chain.id !== c.id) throw new Error(`viem chain ${chain.id} is not ${name} (${c.id})`);
  return {
    name,
    label: c.label,
    chainId: c.id,
    caip2: `eip155:${c.id}`,
    chain,
    usdc,
    explorerUrl: c.explorer,
    testnet: c.testnet,
  };
}

export const NETWORKS: Readonly<Record<NetworkName, NetworkConfig>> = {
  // TestUSDC deployed by setupLocalChain with CREATE2: the same address on every anvil (its
  // creation code decides it; networks.test.ts checks this against the contract as built).
  local: paymentNetwork("local", foundry, {
    address: "0xe4664548501F934921015DB95b519ed3f20581E2",
    name: "USD Coin",
    version: "2",
    symbol: "USDC",
    decimals: 6,
  }),
  "base-sepolia": paymentNetwork("base-sepolia", baseSepolia, {
    address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    name: "USDC",
    version: "2",
    symbol: "USDC",
    decimals: 6,
  }),
  base: paymentNetwork("base", base, {
    address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    name: "USD Coin",
    version: "2",
    symbol: "USDC",
    decimals: 6,
  }),
};

/**
 * The network called `name`. `overrides.usdcAddress` replaces the token address (for a local
 * chain whose token was deployed elsewhere, e.g. with another domain name).
 */
export function getNetwork(name: NetworkName, overrides: { usdcAddress?: Address } = {}): NetworkConfig {
  const network = NETWORKS[name];
  if (!network) throw new Error(`unknown network "${String(name)}" (expected one of ${NETWORK_NAMES.join(", ")})`);
  if (!overrides.usdcAddress) return network;
  return {
    ...network,
    usdc: { ...network.usdc, address: overrides.usdcAddress },
  };
}

/** By CAIP-2 id, e.g. "eip155:8453"; undefined for networks we do not support. */
export function getNetworkByCaip2(caip2: string): NetworkConfig | undefined {
  return Object.values(NETWORKS).find((n) => n.caip2 === caip2);
}

/** The EIP-712 domain fields x402 expects in `PaymentRequirements.extra`. */
export function usdcDomainExtra(network: NetworkConfig): {
  name: string;
  version: string;
} {
  return { name: network.usdc.name, version: network.usdc.version };
}
