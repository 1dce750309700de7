import type { Env } from "../env";

/** EVM chain id of the configured network (EIP-712 domains and SIWE messages use it). */
export function chainIdOf(chain: Env["CHAIN"]): number {
  return { local: 31337, "base-sepolia": 84532, base: 8453 }[chain];
}
