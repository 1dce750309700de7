"use client";

import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { TRPC_MAX_BATCH_SIZE } from "@/lib/trpc-limits";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import type { AppRouter } from "@/server/api/root";
import { transformer } from "@/lib/transformer";
import { makeQueryClient } from "./query-client";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

let browserQueryClient: QueryClient | undefined;
function getQueryClient() {
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

function baseUrl() {
  if (typeof window !== "undefined") return window.location.origin;
  return `http://localhost:${process.env.PORT ?? 3000}`;
}

export function createClient() {
  const url = `${baseUrl()}/api/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // Live job updates: Server-Sent Events (EventSource sends the session cookie).
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url, transformer }),
        false: httpBatchLink({
          url,
          transformer,
          maxItems: TRPC_MAX_BATCH_SIZE,
          headers: () => ({ "x-trpc-source": "browser" }),
        }),
      }),
    ],
  });
}

export function TRPCReactProvider({ children }: { children: React.ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(createClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
