/**
 * Wallet-side helpers for escrowed (auth-capture) payments in tests: sign exactly as a
 * stock x402 client does (AuthCaptureEvmScheme from @x402/evm/auth-capture/client).
 */
import { AuthCaptureEvmScheme } from "@x402/evm/auth-capture/client";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import type { LocalAccount } from "viem";

/** What a wallet using the x402 auth-capture client sends for these requirements. */
export async function signAuthCapture(
  account: LocalAccount,
  requirements: PaymentRequirements,
): Promise<PaymentPayload> {
  const result = await new AuthCaptureEvmScheme(account).createPaymentPayload(2, requirements);
  return {
    x402Version: result.x402Version,
    accepted: requirements,
    payload: result.payload,
    resource: { url: "http://localhost/api/x402/jobs" },
  };
}

/** The requirements for `scheme` from a quote's accepts. */
export function offer(quote: { accepts: unknown[] }, scheme: "auth-capture" | "exact"): PaymentRequirements {
  const r = (quote.accepts as PaymentRequirements[]).find((a) => a.scheme === scheme);
  if (!r) throw new Error(`the quote offers no ${scheme}`);
  return r;
}
