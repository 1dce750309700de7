import { z } from "zod";
import { getAddress } from "viem";
import type { Deps } from "../../deps";
import { getChain } from "../../payments/chain-service";
import { usdcBalance } from "../../payments/chain/usdc-reads";
import { atomicToUsd } from "@/lib/money";

export const walletBalanceSchema = z.object({
  /** USDC as a decimal string; null when the chain did not answer (shown as unknown, never as 0). */
  usdc: z.string().nullable(),
  /** The network's name, e.g. "Local chain". */
  network: z.string(),
});
export type WalletBalance = z.infer<typeof walletBalanceSchema>;

/** What `address` holds in the marketplace's USDC: what it can pay for jobs with. */
export async function walletBalance(deps: Pick<Deps, "env" | "local">, address: string): Promise<WalletBalance> {
  const chain = await getChain(deps);
  const atomic = await usdcBalance(chain.publicClient, chain.network.usdc.address, getAddress(address)).catch(
    () => null,
  );
  return { usdc: atomic === null ? null : atomicToUsd(atomic), network: chain.network.label };
}
