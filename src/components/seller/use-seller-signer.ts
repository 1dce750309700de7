"use client";

import { useAppSettings } from "@/components/wallet/settings";
import { useWallet } from "@/components/wallet/wallet-context";

const nonce = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
const inMinutes = (m: number) => Math.floor(Date.now() / 1000) + m * 60;

export type SellerAction = "PairNode" | "UpdateNode" | "SetNodePaused";

/**
 * Seller actions are EIP-712 messages the wallet signs, with the definitions
 * the agent uses (`@computeswarm/protocol`): the wallet shows what is signed,
 * and the server checks the signer is the node's seller. Each message carries
 * a one-time nonce and a 10-minute expiry.
 */
export function useSellerSigner() {
  const settings = useAppSettings();
  const { address, chainId, signTypedData, switchChain } = useWallet();
  return async function sign<M extends Record<string, unknown>>(primaryType: SellerAction, message: M) {
    if (!address) throw new Error("Connect the wallet you sell with first.");
    const serverChain = settings.data?.chainId;
    if (!serverChain) throw new Error("Still loading the marketplace's settings; try again.");
    if (chainId !== serverChain) await switchChain(serverChain);
    const full = { ...message, seller: address, nonce: nonce(), expiry: inMinutes(10) };
    // Loaded on use: the shared definitions bring zod along.
    const { sellerTypedData } = await import("@computeswarm/protocol");
    // Bound to this marketplace (EIP-712 salt of its public URL): useless at any other deployment.
    const deployment = {
      chainId: serverChain,
      marketplaceUrl: settings.data?.marketplaceUrl ?? window.location.origin,
    };
    const signature = await signTypedData(sellerTypedData(deployment, primaryType, full));
    return { message: full, signature };
  };
}
