"use client";

import dynamic from "next/dynamic";
import { createContext, useCallback, useContext, useMemo, useRef, useState } from "react";
import type { DemoWalletInfo } from "@/lib/demo-wallet";
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
  /** Sign-In with Ethereum with the connected wallet; its outcome shows in `signingIn`/`signInError`. */
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  clearSignInError(): void;
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
  signingIn: boolean;
  signInError: unknown;
}

export interface Wallet extends WalletSnapshot, WalletApi {
  isConnected: boolean;
}

const INITIAL: WalletSnapshot = { status: "loading", connectModalOpen: false, signingIn: false, signInError: null };
const WalletContext = createContext<Wallet | null>(null);

export interface IslandProps {
  /** The embedded default's demo identities; null when the server offers none. */
  demo: DemoWalletInfo | null;
  /** The marketplace's chain (SIWE messages name it); undefined when the settings did not load. */
  chainId?: number;
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
      signIn: () => ready().then((a) => a.signIn()),
      signOut: () => ready().then((a) => a.signOut()),
      clearSignInError: () => void ready().then((a) => a.clearSignInError()),
      signTypedData: (args) => ready().then((a) => a.signTypedData(args)),
      switchChain: (id) => ready().then((a) => a.switchChain(id)),
      disconnect: () => void ready().then((a) => a.disconnect()),
    }),
    [snapshot, ready],
  );

  const s = settings.data;
  const demo = useMemo<DemoWalletInfo | null>(
    () =>
      s?.enabled && s.privateKey
        ? {
            privateKey: s.privateKey,
            chainId: s.chainId,
            rpcUrl: s.rpcUrl,
            seller: s.seller ? { privateKey: s.seller.privateKey } : undefined,
          }
        : null,
    [s],
  );

  return (
    <WalletContext.Provider value={value}>
      {children}
      {/* Client-only (ssr: false): its chunk loads right after hydration. It starts once the
          settings say whether there are demo identities, so that wagmi's reconnect knows them. */}
      {(settings.isSuccess || settings.isError) && (
        <WalletIsland demo={demo} chainId={s?.chainId} onSnapshot={setSnapshot} onApi={onApi} />
      )}
    </WalletContext.Provider>
  );
}

export function useWallet(): Wallet {
  const wallet = useContext(WalletContext);
  if (!wallet) throw new Error("useWallet needs <WalletProvider>");
  return wallet;
}
