"use client";

import dynamic from "next/dynamic";
import { createContext, useCallback, useContext, useMemo, useRef, useState } from "react";
import { useAppSettings } from "./settings";

/**
 * The wallet as the pages see it. wagmi, RainbowKit and viem's signing code are
 * a large bundle, so they live in a separate chunk (wallet-island.tsx) loaded
 * right after the page hydrates: pages render and fetch data without waiting
 * for it, and only wallet actions wait (a click before it arrives is queued).
 */
export type Hex = `0x${string}`;
export type WalletStatus = "loading" | "disconnected" | "connecting" | "reconnecting" | "connected";

export interface TypedDataArgs {
  domain: Record<string, unknown>;
  types: Record<string, unknown>;
  primaryType: string;
  message: Record<string, unknown>;
}

export interface WalletApi {
  openConnectModal(): void;
  signMessage(message: string): Promise<Hex>;
  signTypedData(args: TypedDataArgs): Promise<Hex>;
  switchChain(chainId: number): Promise<void>;
  disconnect(): void;
}

export interface WalletSnapshot {
  status: WalletStatus;
  address?: Hex;
  chainId?: number;
  connectorName?: string;
  connectModalOpen: boolean;
  /** Bumped on each connection made by the user (not a reload's reconnect). */
  freshConnects: number;
}

export interface Wallet extends WalletSnapshot, WalletApi {
  isConnected: boolean;
}

const INITIAL: WalletSnapshot = { status: "loading", connectModalOpen: false, freshConnects: 0 };
const WalletContext = createContext<Wallet | null>(null);

export interface IslandProps {
  demo: { privateKey: Hex; chainId: number; rpcUrl?: string; seller?: { privateKey: Hex } } | null;
  initialChainId?: number;
  onSnapshot(s: WalletSnapshot): void;
  onApi(api: WalletApi): void;
}

const WalletIsland = dynamic<IslandProps>(() => import("./wallet-island"), { ssr: false });

export function WalletProvider({ children }: { children: React.ReactNode }) {
  const [snapshot, setSnapshot] = useState<WalletSnapshot>(INITIAL);
  const api = useRef<WalletApi | null>(null);
  const waiting = useRef<((api: WalletApi) => void)[]>([]);
  const settings = useAppSettings();

  const onApi = useCallback((a: WalletApi) => {
    api.current = a;
    for (const resolve of waiting.current.splice(0)) resolve(a);
  }, []);

  const ready = useCallback(
    () =>
      api.current ? Promise.resolve(api.current) : new Promise<WalletApi>((resolve) => waiting.current.push(resolve)),
    [],
  );

  const value = useMemo<Wallet>(
    () => ({
      ...snapshot,
      isConnected: snapshot.status === "connected" && Boolean(snapshot.address),
      openConnectModal: () => void ready().then((a) => a.openConnectModal()),
      signMessage: (m) => ready().then((a) => a.signMessage(m)),
      signTypedData: (args) => ready().then((a) => a.signTypedData(args)),
      switchChain: (id) => ready().then((a) => a.switchChain(id)),
      disconnect: () => void ready().then((a) => a.disconnect()),
    }),
    [snapshot, ready],
  );

  const demo =
    settings.data?.enabled && settings.data.privateKey
      ? {
          privateKey: settings.data.privateKey,
          chainId: settings.data.chainId,
          rpcUrl: settings.data.rpcUrl,
          seller: settings.data.seller ? { privateKey: settings.data.seller.privateKey } : undefined,
        }
      : null;

  return (
    <WalletContext.Provider value={value}>
      {children}
      {/* Client-only (ssr: false): its chunk loads right after hydration. */}
      <WalletIsland demo={demo} initialChainId={settings.data?.chainId} onSnapshot={setSnapshot} onApi={onApi} />
    </WalletContext.Provider>
  );
}

export function useWallet(): Wallet {
  const wallet = useContext(WalletContext);
  if (!wallet) throw new Error("useWallet needs <WalletProvider>");
  return wallet;
}
