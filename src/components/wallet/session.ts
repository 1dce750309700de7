"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { useWallet } from "./wallet-context";

/**
 * The signed-in session (`auth.me`, from an httpOnly cookie) and the wallet beside it.
 * Signing in and out goes through the wallet island's Sign-In with Ethereum adapter.
 */
export function useSession() {
  const trpc = useTRPC();
  const wallet = useWallet();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));

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
    signIn: () => void wallet.signIn(),
    signingIn: wallet.signingIn,
    signInError: wallet.signInError,
    clearSignInError: wallet.clearSignInError,
    signOut: () => void wallet.signOut(),
  };
}
