"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";

/**
 * Public client settings from the server (`demo.wallet`): the marketplace's
 * chain id, and the demo wallet in the embedded default. Fetched once per tab.
 */
export function useAppSettings() {
  const trpc = useTRPC();
  return useQuery(trpc.demo.wallet.queryOptions(undefined, { staleTime: Infinity, gcTime: Infinity }));
}
