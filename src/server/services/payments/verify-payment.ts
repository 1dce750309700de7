import type { PaymentRequirements } from "@x402/core/types";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { getChain, type ChainService } from "../../payments/chain-service";
import { FacilitatorUnavailableError } from "../../payments/facilitator/types";
import { chainReachable, usdcBalance } from "../../payments/chain/usdc-reads";
import { formatUsdc } from "@/lib/money";
import { checkPayment, parseExactPayment, type ExactPayment } from "../../payments/payload";
import { PaymentRejected, reasonFromFacilitator } from "../../payments/reasons";
import { MIN_SETTLEMENT_MARGIN_SECONDS, type JobQuote } from "./quote";

export interface VerifiedPayment extends ExactPayment {
  requirements: PaymentRequirements;
}

/** The 402 every refused payment becomes: the requirements to pay against, and why. */
export function paymentRequiredError(
  requirements: PaymentRequirements,
  reason: string,
  message: string,
  extra: Record<string, unknown> = {},
): AppError {
  return new AppError("PAYMENT_REQUIRED", message, reason, { requirements, reason, ...extra });
}

const chainDown = () =>
  new AppError(
    "SERVICE_UNAVAILABLE",
    "The payment network cannot be reached right now; try again in a minute.",
    "chain_unavailable",
  );

/**
 * Verifies a payment for a quoted job before anything is queued: the payload's
 * shape, network, asset, recipient, amount and time window here (no chain, precise
 * reasons); the nonce against our own ledger; then one facilitator verify (the one
 * signature check, plus the on-chain simulation: balance, nonce state). Throws a
 * 402 AppError with the requirements and a reason, or 503 when the chain or the
 * facilitator cannot answer.
 */
export async function verifyPayment(
  deps: Deps,
  quote: JobQuote & { requirements: PaymentRequirements },
  raw: unknown,
  opts: { maxDurationSeconds: number; expectedPayer?: string },
): Promise<VerifiedPayment> {
  const { requirements } = quote;
  const started = performance.now();
  let outcome = "invalid";
  try {
    const payment = parseExactPayment(raw);
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    checkPayment(payment, requirements, now, now + opts.maxDurationSeconds + MIN_SETTLEMENT_MARGIN_SECONDS, formatUsdc);
    if (opts.expectedPayer && opts.expectedPayer.toLowerCase() !== payment.from.toLowerCase()) {
      throw new PaymentRejected(
        "payer_mismatch",
        `The payment is signed for ${payment.from}, but you are signed in as ${opts.expectedPayer}.`,
      );
    }
    const seen = await deps.prisma.payment.findUnique({
      where: { fromAddress_nonce: { fromAddress: payment.from, nonce: payment.nonce } },
      select: { id: true },
    });
    if (seen)
      throw new PaymentRejected("nonce_already_used", "This payment authorization was already used; sign a new one.");

    let verdict;
    const chain = await getChain(deps).catch((err: unknown) => {
      outcome = "unavailable";
      deps.log.error({ err }, "payment chain unavailable");
      throw chainDown();
    });
    try {
      verdict = await chain.facilitator.verify(payment.payload, requirements);
    } catch (err) {
      if (err instanceof FacilitatorUnavailableError) {
        outcome = "unavailable";
        deps.log.warn({ err }, "payment facilitator unavailable");
        throw chainDown();
      }
      throw err;
    }
    if (!verdict.isValid) {
      const reason = reasonFromFacilitator(verdict.invalidReason);
      if (reason === "invalid_signature" && !(await chainReachable(chain.publicClient))) {
        outcome = "unavailable";
        throw chainDown();
      }
      throw new PaymentRejected(
        reason,
        await describeRefusal(chain, quote, payment, reason, verdict.invalidMessage),
        verdict.invalidReason,
      );
    }
    outcome = "valid";
    return { ...payment, requirements };
  } catch (err) {
    if (err instanceof PaymentRejected) {
      throw paymentRequiredError(
        requirements,
        err.reason,
        err.message,
        err.facilitatorReason ? { facilitatorReason: err.facilitatorReason } : {},
      );
    }
    throw err;
  } finally {
    deps.metrics.paymentVerifications.inc({ outcome });
    deps.metrics.paymentVerifyLatency.observe((performance.now() - started) / 1000);
  }
}

async function describeRefusal(
  chain: ChainService,
  quote: JobQuote,
  payment: ExactPayment,
  reason: string,
  detail?: string,
): Promise<string> {
  const cost = formatUsdc(quote.amountAtomic);
  switch (reason) {
    case "insufficient_balance": {
      const balance = await usdcBalance(chain.publicClient, chain.network.usdc.address, payment.from).catch(() => null);
      return balance === null
        ? `Your USDC balance is too low: this job costs ${cost}.`
        : `Your USDC balance is ${formatUsdc(balance)}, this job costs ${cost}.`;
    }
    case "invalid_signature":
      return `The payment signature is not valid for ${payment.from} (sign it with that wallet, for USDC on ${chain.network.label}).`;
    case "nonce_already_used":
      return "This payment authorization was already used; sign a new one.";
    case "expired":
      return "The payment authorization has expired; sign a new one.";
    case "not_yet_valid":
      return "The payment authorization is not valid yet.";
    case "asset_mismatch":
      return `The payment is not for USDC at ${chain.network.usdc.address} (domain "${chain.network.usdc.name}", version ${chain.network.usdc.version}).`;
    default:
      return `The payment was refused (${reason}${detail ? `: ${detail.slice(0, 200)}` : ""}).`;
  }
}
