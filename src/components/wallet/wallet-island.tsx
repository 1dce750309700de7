"use client";

import "@rainbow-me/rainbowkit/styles.css";
import { lightTheme, RainbowKitProvider, useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useRef, useState } from "react";
import {
  useAccount,
  useAccountEffect,
  useDisconnect,
  useSignMessage,
  useSignTypedData,
  useSwitchChain,
  WagmiProvider,
} from "wagmi";
import { addDemoWallet, APP_NAME, createWagmiConfig } from "@/lib/wagmi";
import type { IslandProps, WalletApi } from "./wallet-context";

/**
 * wagmi + RainbowKit, loaded as its own chunk after the page (see wallet-context).
 * Renders only RainbowKit's dialogs; the rest of the app talks to it through
 * the WalletApi and snapshots it publishes.
 */
const theme = lightTheme({ accentColor: "#4f46e5", borderRadius: "medium", overlayBlur: "small" });

function Bridge({ onSnapshot, onApi }: Pick<IslandProps, "onSnapshot" | "onApi">) {
  const { address, chainId, status, connector } = useAccount();
  const { openConnectModal, connectModalOpen } = useConnectModal();
  const { signMessageAsync } = useSignMessage();
  const { signTypedDataAsync } = useSignTypedData();
  const { switchChainAsync } = useSwitchChain();
  const { disconnect } = useDisconnect();
  const [freshConnects, setFreshConnects] = useState(0);

  useAccountEffect({
    onConnect({ isReconnected }) {
      if (!isReconnected) setFreshConnects((n) => n + 1);
    },
  });

  useEffect(() => {
    onSnapshot({ status, address, chainId, connectorName: connector?.name, connectModalOpen, freshConnects });
  }, [onSnapshot, status, address, chainId, connector?.name, connectModalOpen, freshConnects]);

  // The latest hook functions, behind a stable API object.
  const latest = useRef({ openConnectModal, signMessageAsync, signTypedDataAsync, switchChainAsync, disconnect });
  useEffect(() => {
    latest.current = { openConnectModal, signMessageAsync, signTypedDataAsync, switchChainAsync, disconnect };
  });
  useEffect(() => {
    const api: WalletApi = {
      openConnectModal: () => latest.current.openConnectModal?.(),
      signMessage: (message) => latest.current.signMessageAsync({ message }),
      signTypedData: (args) => latest.current.signTypedDataAsync(args as Parameters<typeof signTypedDataAsync>[0]),
      switchChain: async (id) => {
        await latest.current.switchChainAsync({ chainId: id });
      },
      disconnect: () => latest.current.disconnect(),
    };
    onApi(api);
  }, [onApi]);
  return null;
}

export default function WalletIsland({ demo, initialChainId, onSnapshot, onApi }: IslandProps) {
  const [config] = useState(createWagmiConfig);

  useEffect(() => {
    if (demo) {
      addDemoWallet(config, demo).catch((err: unknown) => console.warn("demo wallet unavailable", err));
    }
  }, [config, demo?.privateKey, demo?.chainId, demo?.rpcUrl, demo?.seller?.privateKey]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <WagmiProvider config={config}>
      <RainbowKitProvider
        theme={theme}
        modalSize="compact"
        initialChain={initialChainId}
        appInfo={{ appName: APP_NAME }}
        showRecentTransactions={false}
      >
        <Bridge onSnapshot={onSnapshot} onApi={onApi} />
      </RainbowKitProvider>
    </WagmiProvider>
  );
}
