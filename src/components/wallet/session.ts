"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC, useTRPCClient } from "@/trpc/react";
import { useAppSettings } from "./settings";
import { useWallet } from "./wallet-context";

/**
 * Sign-In with Ethereum: nonce from the server → EIP-4361 message (domain =
 * this host, chain = the marketplace's chain) → the wallet signs → the server
 * checks it and sets an httpOnly session cookie. `auth.me` is the session.
 */
export function useSession() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const settings = useAppSettings();
  const wallet = useWallet();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));

  const signIn = useMutation({
    mutationKey: ["siwe"],
    mutationFn: async () => {
      const address = wallet.address;
      if (!address) throw new Error("Connect your wallet first.");
      const chainId = settings.data?.chainId ?? (await queryClient.fetchQuery(trpc.demo.wallet.queryOptions())).chainId;
      const [{ nonce }, { createSiweMessage }] = await Promise.all([client.auth.nonce.mutate(), import("viem/siwe")]);
      const message = createSiweMessage({
        address,
        chainId,
        domain: window.location.host,
        uri: window.location.origin,
        nonce,
        version: "1",
        issuedAt: new Date(),
        statement: "Sign in to ComputeSwarm. This costs nothing and sends no transaction.",
      });
      const signature = await wallet.signMessage(message);
      return client.auth.signIn.mutate({ message, signature });
    },
    onSuccess: async (session) => {
      queryClient.setQueryData(trpc.auth.me.queryKey(), session);
      await queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
    },
  });

  const signOut = useMutation({
    mutationFn: () => client.auth.signOut.mutate(),
    onSuccess: () => {
      queryClient.setQueryData(trpc.auth.me.queryKey(), null);
      queryClient.removeQueries({ queryKey: trpc.jobs.pathKey() });
    },
  });

  const session = me.data ?? null;
  const address = wallet.address;
  return {
    session,
    loading: me.isPending,
    wallet,
    address,
    isConnected: wallet.isConnected,
    walletStatus: wallet.status,
    /** Signed in, but the wallet now shows another account. */
    mismatch: Boolean(session && address && session.address.toLowerCase() !== address.toLowerCase()),
    signIn,
    signOut,
  };
}
