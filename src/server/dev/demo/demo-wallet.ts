import { privateKeyToAccount } from "viem/accounts";
import type { Deps } from "../../deps";
import { chainIdOf } from "@/lib/chains";
import { isLoopbackPublicUrl } from "../../public-url";
import { isEmbeddedChain } from "../load";

/**
 * The embedded default's "Demo wallet": anvil's standard account #1, funded with
 * test USDC on the embedded local chain. Its key is public (the standard test
 * mnemonic), so handing it to the browser is safe, but only where the chain is
 * our own embedded anvil: with CHAIN=local plus an RPC_URL (someone else's
 * chain) or a real network, the demo is off and no key is ever sent; with a
 * real DATABASE_URL too, unless DEMO=true.
 */
export const DEMO_BUYER_PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;

export const DEMO_BUYER_ADDRESS = privateKeyToAccount(DEMO_BUYER_PRIVATE_KEY).address;

/** The "Demo seller": anvil's standard account #2, which owns the demo node (demo-agent.ts). */
export const DEMO_SELLER_PRIVATE_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a" as const;

export const DEMO_SELLER_ADDRESS = privateKeyToAccount(DEMO_SELLER_PRIVATE_KEY).address;

export interface DemoWallet {
  enabled: boolean;
  /** The chain the marketplace runs on: SIWE messages and EIP-712 domains use it. */
  chainId: number;
  /** The marketplace's public URL: seller signatures are bound to it (EIP-712 salt). */
  marketplaceUrl: string;
  privateKey?: `0x${string}`;
  address?: `0x${string}`;
  /** The embedded anvil's JSON-RPC URL, when known (reads: balances). */
  rpcUrl?: string;
  /**
   * The demo node's seller, offered as "Demo seller" so a newcomer sees the seller
   * dashboard with a live node: like the demo wallet's admin role, only on a marketplace
   * served on this machine (a loopback PUBLIC_URL), never on one others can reach.
   */
  seller?: { privateKey: `0x${string}`; address: `0x${string}` };
}

export function demoWallet(deps: Pick<Deps, "env" | "local">): DemoWallet {
  const chainId = chainIdOf(deps.env.CHAIN);
  const marketplaceUrl = deps.env.PUBLIC_URL;
  // A real database means a deployment others share: a funded key handed to every
  // visitor there is a faucet for anyone, so it takes an explicit DEMO=true.
  const demoDeployment = !deps.env.DATABASE_URL || deps.env.DEMO;
  if (!isEmbeddedChain(deps.env) || !demoDeployment) return { enabled: false, chainId, marketplaceUrl };
  const rpcUrl = deps.local.embeddedRpcUrl;
  return {
    enabled: true,
    chainId,
    marketplaceUrl,
    privateKey: DEMO_BUYER_PRIVATE_KEY,
    address: DEMO_BUYER_ADDRESS,
    ...(typeof rpcUrl === "string" ? { rpcUrl } : {}),
    ...(isLoopbackPublicUrl(deps.env)
      ? { seller: { privateKey: DEMO_SELLER_PRIVATE_KEY, address: DEMO_SELLER_ADDRESS } }
      : {}),
  };
}
