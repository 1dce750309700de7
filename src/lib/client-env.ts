import { z } from "zod";

/**
 * The browser's configuration: every `NEXT_PUBLIC_*` variable, validated once. Next
 * inlines each one at build time only where `process.env.NEXT_PUBLIC_X` is written
 * out literally, so each is read by name here and nowhere else.
 */
const clientEnvSchema = z.object({
  /** JSON-RPC endpoint the wallet reads the local chain through (the embedded default's anvil). */
  NEXT_PUBLIC_RPC_URL: z.url().default("http://127.0.0.1:8545"),
  /** Enables WalletConnect; without it the connect dialog offers injected wallets only. */
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: z.string().optional(),
});

export type ClientEnv = z.infer<typeof clientEnvSchema>;

// An empty value (a blank line in .env or a docker build arg) means "not set".
const unset = (v: string | undefined) => (v === "" ? undefined : v);

export const clientEnv: ClientEnv = clientEnvSchema.parse({
  NEXT_PUBLIC_RPC_URL: unset(process.env.NEXT_PUBLIC_RPC_URL),
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: unset(process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID),
});
