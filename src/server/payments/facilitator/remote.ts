/**
 * A remote x402 facilitator (FACILITATOR_URL): POST {url}/verify and {url}/settle with
 * { x402Version, paymentPayload, paymentRequirements }, through @x402/core's own
 * HTTPFacilitatorClient. A facilitator answering a refusal with a non-2xx status
 * (VerifyError / SettleError) is a refusal, not an outage.
 */
import { HTTPFacilitatorClient } from "@x402/core/http";
import { SettleError, VerifyError } from "@x402/core/types";
import { FacilitatorUnavailableError, type Facilitator } from "./types";

export function createRemoteFacilitator(url: string, options: { timeoutMs?: number } = {}): Facilitator {
  const client = new HTTPFacilitatorClient({ url, timeoutMs: options.timeoutMs ?? 30_000 });
  const unavailable = (op: string, err: unknown) =>
    new FacilitatorUnavailableError(
      `facilitator ${op} at ${url} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  return {
    kind: "remote",
    async verify(payload, requirements) {
      try {
        return await client.verify(payload, requirements);
      } catch (err) {
        if (err instanceof VerifyError) {
          return {
            isValid: false,
            invalidReason: err.invalidReason,
            invalidMessage: err.invalidMessage,
            payer: err.payer,
          };
        }
        throw unavailable("verify", err);
      }
    },
    async settle(payload, requirements) {
      try {
        return await client.settle(payload, requirements);
      } catch (err) {
        if (err instanceof SettleError) {
          return {
            success: false,
            errorReason: err.errorReason,
            errorMessage: err.errorMessage,
            payer: err.payer,
            transaction: err.transaction ?? "",
            network: err.network ?? requirements.network,
          };
        }
        throw unavailable("settle", err);
      }
    },
  };
}
