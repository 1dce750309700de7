/**
 * The networks the UI knows, as plain data (no viem here, so pages that only
 * show a network name or an explorer link stay small). The wallet's viem chain
 * objects live in lib/wagmi.ts.
 */
export interface ChainInfo {
  id: number;
  name: string;
  explorer: string | null;
}

export const CHAINS: readonly ChainInfo[] = [
  { id: 8453, name: "Base", explorer: "https://basescan.org" },
  { id: 84532, name: "Base Sepolia", explorer: "https://sepolia.basescan.org" },
  { id: 31337, name: "Local chain", explorer: null },
];

export const LOCAL_CHAIN_ID = 31337;

/** "eip155:8453" | "base" | 8453 → 8453; undefined when unknown. */
export function chainIdOfNetwork(network: string | number | null | undefined): number | undefined {
  if (network === null || network === undefined) return undefined;
  if (typeof network === "number") return network;
  const caip = /^eip155:(\d+)$/.exec(network);
  if (caip) return Number(caip[1]);
  return ({ base: 8453, "base-sepolia": 84532, local: LOCAL_CHAIN_ID } as Record<string, number>)[network];
}

export function chainName(network: string | number | null | undefined): string {
  const id = chainIdOfNetwork(network);
  return (
    CHAINS.find((c) => c.id === id)?.name ?? (id !== undefined ? `chain ${id}` : String(network ?? "unknown network"))
  );
}

/** Block explorer link for a transaction on a real network; null on the local chain. */
export function explorerTxUrl(network: string | number | null | undefined, txHash: string): string | null {
  const id = chainIdOfNetwork(network);
  const explorer = CHAINS.find((c) => c.id === id)?.explorer;
  return explorer ? `${explorer}/tx/${txHash}` : null;
}
