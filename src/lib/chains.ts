/**
 * The networks ComputeSwarm runs on, in one table of plain data (no viem here, so
 * pages that only show a network name or an explorer link stay small). The server's
 * payment networks (server/payments/networks.ts) add viem chain objects and USDC to
 * these rows; the wallet's viem chain objects live in lib/wagmi.ts. `CHAIN` in the
 * environment names one row.
 */
export const NETWORK_NAMES = ["local", "base-sepolia", "base"] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export interface ChainInfo {
  /** The name `CHAIN` and the API use. */
  network: NetworkName;
  /** EVM chain id (EIP-712 domains, SIWE, CAIP-2 `eip155:{id}`). */
  id: number;
  /** What pages call it. */
  name: string;
  /** What the status report calls it. */
  label: string;
  /** Block explorer base URL, without a trailing slash; null when there is none. */
  explorer: string | null;
  testnet: boolean;
}

export const CHAIN_BY_NETWORK: Readonly<Record<NetworkName, ChainInfo>> = {
  base: {
    network: "base",
    id: 8453,
    name: "Base",
    label: "Base",
    explorer: "https://basescan.org",
    testnet: false,
  },
  "base-sepolia": {
    network: "base-sepolia",
    id: 84532,
    name: "Base Sepolia",
    label: "Base Sepolia",
    explorer: "https://sepolia.basescan.org",
    testnet: true,
  },
  local: {
    network: "local",
    id: 31337,
    name: "Local chain",
    label: "Local chain (anvil)",
    explorer: null,
    testnet: true,
  },
};

export const CHAINS: readonly ChainInfo[] = [
  CHAIN_BY_NETWORK.base,
  CHAIN_BY_NETWORK["base-sepolia"],
  CHAIN_BY_NETWORK.local,
];

/** EVM chain id of a configured network (EIP-712 domains and SIWE messages use it). */
export function chainIdOf(network: NetworkName): number {
  return CHAIN_BY_NETWORK[network].id;
}

/** "eip155:8453" | "base" | 8453 → 8453; undefined when unknown. */
export function chainIdOfNetwork(network: string | number | null | undefined): number | undefined {
  if (network === null || network === undefined) return undefined;
  if (typeof network === "number") return network;
  const caip = /^eip155:(\d+)$/.exec(network);
  if (caip) return Number(caip[1]);
  return (CHAIN_BY_NETWORK as Partial<Record<string, ChainInfo>>)[network]?.id;
}

export function chainName(network: string | number | null | undefined): string {
  const id = chainIdOfNetwork(network);
  return (
    CHAINS.find((c) => c.id === id)?.name ?? (id !== undefined ? `chain ${id}` : String(network ?? "unknown network"))
  );
}

/** Block explorer link for a transaction on a real network; null on the local chain. */
export function explorerTxUrl(
  network: string | number | { chainId: number } | null | undefined,
  txHash: string,
): string | null {
  const id = typeof network === "object" && network !== null ? network.chainId : chainIdOfNetwork(network);
  const explorer = CHAINS.find((c) => c.id === id)?.explorer;
  return explorer ? `${explorer}/tx/${txHash}` : null;
}
