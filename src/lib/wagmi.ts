import { connectorsForWallets, type WalletList } from "@rainbow-me/rainbowkit";
import { injectedWallet, walletConnectWallet } from "@rainbow-me/rainbowkit/wallets";
import { defineChain, http, type Chain } from "viem";
import { base, baseSepolia } from "viem/chains";
import { createConfig, createStorage, type Config } from "wagmi";
import { CHAIN_BY_NETWORK } from "./chains";
import { clientEnv } from "./client-env";
import { demoIdentities, demoRainbowWallet, type DemoWalletInfo } from "./demo-wallet";

export const APP_NAME = "ComputeSwarm";

/** The local anvil chain of the embedded default (and of `CHAIN=local` deployments). */
export const localChain = defineChain({
  id: CHAIN_BY_NETWORK.local.id,
  name: CHAIN_BY_NETWORK.local.name,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [clientEnv.NEXT_PUBLIC_RPC_URL] } },
  testnet: true,
});

export const supportedChains = [base, baseSepolia, localChain] as const satisfies readonly [Chain, ...Chain[]];

/**
 * WalletConnect only when a project id is configured: without one, RainbowKit's
 * default config would call WalletConnect's servers on every page load.
 * Injected wallets (browser extensions, EIP-6963) always.
 */
const walletConnectProjectId = clientEnv.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID;

/**
 * The connect dialog's wallets: the demo identities first ("Demo wallet", and "Demo seller"
 * where offered) when the server says the embedded demo is on (it never is with a real chain).
 */
function walletList(demo: DemoWalletInfo | null): WalletList {
  const demoGroup: WalletList = demo
    ? [
        {
          groupName: "Try it",
          wallets: demoIdentities(demo).map((identity) => () => demoRainbowWallet(demo, identity)),
        },
      ]
    : [];
  return [
    ...demoGroup,
    {
      groupName: "Wallets",
      wallets: walletConnectProjectId ? [injectedWallet, walletConnectWallet] : [injectedWallet],
    },
  ];
}

/**
 * One config per demo setting: built once the server's settings are known, so wagmi's own
 * start-up reconnect already knows the demo connectors and brings back the one last used.
 */
export function createWagmiConfig(demo: DemoWalletInfo | null): Config {
  return createConfig({
    chains: supportedChains,
    connectors: connectorsForWallets(walletList(demo), { appName: APP_NAME, projectId: walletConnectProjectId ?? "" }),
    // No polling: nothing reads the chain unless a page asks (and none does without a wallet).
    transports: {
      [base.id]: http(),
      [baseSepolia.id]: http(),
      [localChain.id]: http(),
    },
    storage: createStorage({ storage: typeof window === "undefined" ? undefined : window.localStorage }),
    ssr: true,
  });
}
