import { connectorsForWallets, type WalletList } from "@rainbow-me/rainbowkit";
import { injectedWallet, walletConnectWallet } from "@rainbow-me/rainbowkit/wallets";
import { reconnect } from "wagmi/actions";
import { defineChain, http, type Chain } from "viem";
import { base, baseSepolia } from "viem/chains";
import { createConfig, createStorage, type Config } from "wagmi";
import { CHAIN_BY_NETWORK } from "./chains";
import { demoIdentities, demoRainbowWallet, type DemoWalletInfo } from "./demo-wallet";

export const APP_NAME = "ComputeSwarm";

/** The local anvil chain of the embedded default (and of `CHAIN=local` deployments). */
export const localChain = defineChain({
  id: CHAIN_BY_NETWORK.local.id,
  name: CHAIN_BY_NETWORK.local.name,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [process.env.NEXT_PUBLIC_RPC_URL || "http://127.0.0.1:8545"] } },
  testnet: true,
});

export const supportedChains = [base, baseSepolia, localChain] as const satisfies readonly [Chain, ...Chain[]];

/**
 * WalletConnect only when a project id is configured: without one, RainbowKit's
 * default config would call WalletConnect's servers on every page load.
 * Injected wallets (browser extensions, EIP-6963) always.
 */
const walletConnectProjectId = process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID || undefined;

function walletList(): WalletList {
  return [
    {
      groupName: "Wallets",
      wallets: walletConnectProjectId ? [injectedWallet, walletConnectWallet] : [injectedWallet],
    },
  ];
}

export function createWagmiConfig(): Config {
  return createConfig({
    chains: supportedChains,
    connectors: connectorsForWallets(walletList(), { appName: APP_NAME, projectId: walletConnectProjectId ?? "" }),
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

/**
 * Adds the demo identities ("Demo wallet", and "Demo seller" where offered) to the connect
 * dialog once the server says the embedded demo is on (it never is with a real chain).
 * wagmi's own EIP-6963 discovery adds connectors at run time the same way. Reconnects
 * the one last used after a reload.
 */
export async function addDemoWallet(config: Config, info: DemoWalletInfo): Promise<void> {
  const identities = demoIdentities(info);
  const ids = new Set(identities.map((i) => i.id));
  if (config.connectors.some((c) => ids.has(c.id))) return;
  const creators = connectorsForWallets(
    [{ groupName: "Try it", wallets: identities.map((identity) => () => demoRainbowWallet(info, identity)) }],
    { appName: APP_NAME, projectId: walletConnectProjectId ?? "" },
  );
  const connectors = creators.map((create) => config._internal.connectors.setup(create));
  config._internal.connectors.setState((current) => [...connectors, ...current.filter((c) => !ids.has(c.id))]);
  const recentId = await config.storage?.getItem("recentConnectorId");
  const recent = connectors.find((c) => c.id === recentId);
  if (!recent || !(await recent.isAuthorized())) return;
  // wagmi ignores reconnect() while another one runs, e.g. its own start-up reconnect (which did
  // not know the demo connectors yet): wait for that one to end, then reconnect the demo identity.
  await settled(config);
  if (config.state.status !== "connected") await reconnect(config, { connectors: [recent] });
}

/** Resolves once the wallet is not (re)connecting. */
function settled(config: Config): Promise<void> {
  const busy = () => config.state.status === "reconnecting" || config.state.status === "connecting";
  if (!busy()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = config.subscribe(
      (state) => state.status,
      () => {
        if (busy()) return;
        stop();
        resolve();
      },
    );
  });
}
