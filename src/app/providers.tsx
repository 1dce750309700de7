"use client";

import { TRPCReactProvider } from "@/trpc/react";
import { WalletProvider } from "@/components/wallet/wallet-context";

export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <TRPCReactProvider>
      <WalletProvider>{children}</WalletProvider>
    </TRPCReactProvider>
  );
}
