"use client";

import "@rainbow-me/rainbowkit/styles.css";
import {
  createAuthenticationAdapter,
  lightTheme,
  RainbowKitAuthenticationProvider,
  RainbowKitProvider,
  useConnectModal,
  type AuthenticationStatus,
} from "@rainbow-me/rainbowkit";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { createSiweMessage } from "viem/siwe";
import {
  useAccount,
  useAccountEffect,
  useDisconnect,
  useSignMessage,
  useSignTypedData,
  useSwitchChain,
  WagmiProvider,
} from "wagmi";
import { APP_NAME, createWagmiConfig } from "@/lib/wagmi";
import { useTRPC, useTRPCClient } from "@/trpc/react";
import type { Hex, IslandProps, WalletApi } from "./wallet-context";

/**
 * wagmi + RainbowKit, loaded as its own chunk after the page (see wallet-context).
 * Renders only RainbowKit's dialogs; the rest of the app talks to it through
 * the WalletApi and snapshots it publishes.
 */
const theme = lightTheme({ accentColor: "#4f46e5", borderRadius: "medium", overlayBlur: "small" });

/**
 * Sign-In with Ethereum as RainbowKit's authentication adapter: nonce from the server →
 * EIP-4361 message (domain = this host, chain = the marketplace's chain) → the wallet
 * signs → the server checks it and sets an httpOnly session cookie. `auth.me` is the
 * session. RainbowKit signs out when the wallet disconnects or switches accounts.
 */
function useSiweAdapter(marketplaceChainId: number | undefined) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  return useMemo(
    () =>
      createAuthenticationAdapter({
        getNonce: async () => (await client.auth.nonce.mutate()).nonce,
        createMessage: ({ nonce, address, chainId }) =>
          createSiweMessage({
            address: address as Hex,
            chainId: marketplaceChainId ?? chainId,
            domain: window.location.host,
            uri: window.location.origin,
            nonce,
            version: "1",
            issuedAt: new Date(),
            statement: "Sign in to ComputeSwarm. This costs nothing and sends no transaction.",
          }),
        // Throws the server's reason when it refuses, for the app's sign-in to show.
        verify: async ({ message, signature }) => {
          const session = await client.auth.signIn.mutate({ message, signature });
          queryClient.setQueryData(trpc.auth.me.queryKey(), session);
          await queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
          return true;
        },
        signOut: async () => {
          await client.auth.signOut.mutate();
          queryClient.setQueryData(trpc.auth.me.queryKey(), null);
          queryClient.removeQueries({ queryKey: trpc.jobs.pathKey() });
        },
      }),
    [client, queryClient, trpc, marketplaceChainId],
  );
}

type SiweAdapter = ReturnType<typeof useSiweAdapter>;
interface SignInState {
  pending: boolean;
  error: unknown;
}

interface BridgeProps extends Pick<IslandProps, "onSnapshot" | "onApi"> {
  adapter: SiweAdapter;
  signInState: SignInState;
  setSignInState(s: SignInState): void;
}

function Bridge({ adapter, signInState, setSignInState, onSnapshot, onApi }: BridgeProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { address, chainId, status, connector } = useAccount();
  const { openConnectModal, connectModalOpen } = useConnectModal();
  const { signMessageAsync } = useSignMessage();
  const { signTypedDataAsync } = useSignTypedData();
  const { switchChainAsync } = useSwitchChain();
  const { disconnect } = useDisconnect();

  // The latest hook functions and account, behind a stable API object.
  const now = {
    ...{ address, chainId, adapter, openConnectModal, disconnect },
    ...{ signMessageAsync, signTypedDataAsync, switchChainAsync },
  };
  const latest = useRef(now);
  useEffect(() => {
    latest.current = now;
  });

  // RainbowKit's own sign-in dialog waits for a click; the app signs in at once instead
  // (the demo wallet signs without a prompt), through the same adapter.
  const signIn = useRef(async (account: { address?: Hex; chainId?: number }) => {
    setSignInState({ pending: true, error: null });
    try {
      if (!account.address || !account.chainId) throw new Error("Connect your wallet first.");
      const { adapter: auth, signMessageAsync: sign } = latest.current;
      const nonce = await auth.getNonce();
      const message = await auth.createMessage({ nonce, address: account.address, chainId: account.chainId });
      await auth.verify({ message, signature: await sign({ message }) });
      setSignInState({ pending: false, error: null });
    } catch (error) {
      setSignInState({ pending: false, error });
    }
  });

  // A connection the user just made (not a reload's reconnect) goes straight on to sign-in.
  useAccountEffect({
    onConnect({ address: connected, chainId: connectedChain, isReconnected }) {
      if (isReconnected) return;
      const session = queryClient.getQueryData(trpc.auth.me.queryKey());
      if (session?.address.toLowerCase() !== connected.toLowerCase()) {
        void signIn.current({ address: connected, chainId: connectedChain });
      }
    },
  });

  useEffect(() => {
    onSnapshot({
      status,
      address,
      chainId,
      connectorName: connector?.name,
      connectModalOpen,
      signingIn: signInState.pending,
      signInError: signInState.error,
    });
  }, [onSnapshot, status, address, chainId, connector?.name, connectModalOpen, signInState]);

  useEffect(() => {
    const api: WalletApi = {
      openConnectModal: () => latest.current.openConnectModal?.(),
      signIn: () => signIn.current(latest.current),
      signOut: () => latest.current.adapter.signOut(),
      clearSignInError: () => setSignInState({ pending: false, error: null }),
      signTypedData: (args) => latest.current.signTypedDataAsync(args as Parameters<typeof signTypedDataAsync>[0]),
      switchChain: async (id) => {
        await latest.current.switchChainAsync({ chainId: id });
      },
      disconnect: () => latest.current.disconnect(),
    };
    onApi(api);
  }, [onApi, setSignInState]);

  return null;
}

export default function WalletIsland({ demo, chainId, onSnapshot, onApi }: IslandProps) {
  const trpc = useTRPC();
  // A new config (and provider) if the demo identities change: wagmi's start-up reconnect knows them.
  const demoKey = demo ? `${demo.privateKey}:${demo.chainId}:${demo.rpcUrl}:${demo.seller?.privateKey}` : "none";
  const config = useMemo(() => createWagmiConfig(demo), [demoKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const adapter = useSiweAdapter(chainId);
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const [signInState, setSignInState] = useState<SignInState>({ pending: false, error: null });
  // "loading" while the app signs in keeps RainbowKit's own sign-in dialog from showing meanwhile.
  const status: AuthenticationStatus =
    me.isPending || signInState.pending ? "loading" : me.data ? "authenticated" : "unauthenticated";

  return (
    <WagmiProvider key={demoKey} config={config}>
      <RainbowKitAuthenticationProvider adapter={adapter} status={status}>
        <RainbowKitProvider
          theme={theme}
          modalSize="compact"
          initialChain={chainId}
          appInfo={{ appName: APP_NAME }}
          showRecentTransactions={false}
        >
          <Bridge
            adapter={adapter}
            signInState={signInState}
            setSignInState={setSignInState}
            onSnapshot={onSnapshot}
            onApi={onApi}
          />
        </RainbowKitProvider>
      </RainbowKitAuthenticationProvider>
    </WagmiProvider>
  );
}
