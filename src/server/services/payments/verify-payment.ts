import type { PaymentRequirements } from "@x402/core/types";
import { hashTypedData, isAddressEqual, type Hex } from "viem";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { getChain, type ChainService } from "../../payments/chain-service";
import { FacilitatorUnavailableError } from "../../payments/facilitator/types";
import { chainReachable, usdcBalance } from "../../payments/chain/usdc-reads";
import { recoverSigner } from "../../payments/ecdsa";
import { formatUsdc } from "@/lib/money";
import {
  checkAuthCapturePayment,
  checkPayment,
  parseAuthCapturePayment,
  parseExactPayment,
  type AuthCapturePayment,
  type ExactPayment,
} from "../../payments/payload";
import { PaymentRejected, reasonFromFacilitator, type PaymentReason } from "../../payments/reasons";
import { AUTH_CAPTURE_SCHEME, EXACT_SCHEME } from "../../payments/requirements";
import { RECEIVE_WITH_AUTHORIZATION_TYPES, tokenDomain } from "../../payments/chain/eip3009";
import {
  payerAgnosticNonce,
  paymentInfoFromAuthCapture,
  paymentInfoHash,
  type PaymentInfo,
} from "../../payments/escrow/payment-info";
import { AUTH_CAPTURE_DEPLOYMENT } from "../../payments/escrow/contracts";
import { EscrowRevertError } from "../../payments/escrow/escrow-ops";
import type { NetworkConfig } from "../../payments/networks";
import { captureDeadlineFor, MIN_SETTLEMENT_MARGIN_SECONDS, type JobQuote } from "./quote";
import { getEscrow } from "./escrow";

export interface VerifiedExact extends ExactPayment {
  scheme: "exact";
  requirements: PaymentRequirements;
}
export interface VerifiedAuthCapture extends AuthCapturePayment {
  scheme: "auth-capture";
  requirements: PaymentRequirements;
  info: PaymentInfo;
  /** The escrow's payment id: keys the payment row, the escrow's state and its events. */
  paymentInfoHash: Hex;
  /** Gas for the escrow's `authorize`, from the simulation that verified it. */
  authorizeGas: bigint;
  /** A block at or before the one `authorize` will land in: where its events are looked for. */
  fromBlock: bigint;
}
export type VerifiedPayment = VerifiedExact | VerifiedAuthCapture;

/** Checked before the chain is asked: the payment as parsed, and the identity it will have. */
export type PreparedPayment =
  | { scheme: "exact"; payment: ExactPayment; requirements: PaymentRequirements }
  | {
      scheme: "auth-capture";
      payment: AuthCapturePayment;
      requirements: PaymentRequirements;
      info: PaymentInfo;
      paymentInfoHash: Hex;
      /** The signature recovers to the payer (an EOA); false: a contract wallet's, or invalid (the chain decides). */
      signedByPayer: boolean;
    };

/** The 402 every refused payment becomes: the requirements to pay against (preferred first), and why. */
export function paymentRequiredError(
  accepts: PaymentRequirements[],
  reason: PaymentReason,
  message: string,
  extra: Record<string, unknown> = {},
): AppError {
  return new AppError("PAYMENT_REQUIRED", message, reason, { requirements: accepts[0], accepts, reason, ...extra });
}

export const chainDown = () =>
  new AppError(
    "SERVICE_UNAVAILABLE",
    "The payment network cannot be reached right now; try again in a minute.",
    "chain_unavailable",
  );

/** Runs `check`, turning a PaymentRejected into the 402 for this quote. */
export async function asPaymentRequired<T>(quote: Pick<JobQuote, "accepts">, check: () => Promise<T> | T): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof PaymentRejected) {
      throw paymentRequiredError(
        quote.accepts,
        err.reason,
        err.message,
        err.facilitatorReason ? { facilitatorReason: err.facilitatorReason } : {},
      );
    }
    throw err;
  }
}

/**
 * The checks that need no I/O, per scheme, and the payment's identity: precise reasons,
 * cheap. For auth-capture that includes the signature (ECDSA recovery, native: ~0.1 ms of CPU),
 * so a forged payment never costs a round trip. Throws PaymentRejected.
 */
export async function preparePayment(
  deps: Deps,
  quote: JobQuote,
  raw: unknown,
  opts: { maxDurationSeconds: number; expectedPayer?: string; scheme: string | null },
): Promise<PreparedPayment> {
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const offered = (scheme: string) => quote.accepts.find((a) => a.scheme === scheme);
  const checkPayer = (from: string) => {
    if (opts.expectedPayer && opts.expectedPayer.toLowerCase() !== from.toLowerCase()) {
      throw new PaymentRejected(
        "payer_mismatch",
        `The payment is signed for ${from}, but you are signed in as ${opts.expectedPayer}.`,
      );
    }
  };
  const authCapture = offered(AUTH_CAPTURE_SCHEME);
  if (opts.scheme === AUTH_CAPTURE_SCHEME && authCapture) {
    const payment = parseAuthCapturePayment(raw);
    checkAuthCapturePayment(
      payment,
      authCapture,
      {
        escrow: AUTH_CAPTURE_DEPLOYMENT.escrow,
        collector: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
        nowSeconds: now,
        captureDeadlineAtLeast: now + opts.maxDurationSeconds + MIN_SETTLEMENT_MARGIN_SECONDS,
        // A quote may be a little older or from a slightly faster clock than ours.
        captureDeadlineAtMost: captureDeadlineFor(deps.env, now, opts.maxDurationSeconds) + 60,
      },
      formatUsdc,
    );
    checkPayer(payment.from);
    const info = paymentInfoFromAuthCapture({
      requirements: {
        payTo: authCapture.payTo,
        asset: authCapture.asset,
        amount: authCapture.amount,
        extra: payment.extra,
      },
      payer: payment.from,
      validBefore: payment.validBefore.toString(),
      salt: payment.salt,
    });
    const chainId = quote.network.chainId;
    if (payerAgnosticNonce(chainId, AUTH_CAPTURE_DEPLOYMENT.escrow, info).toLowerCase() !== payment.nonce) {
      throw new PaymentRejected(
        "nonce_mismatch",
        "The authorization's nonce is not the one this payment's terms derive (sign it with an x402 auth-capture client against the 402's requirements).",
      );
    }
    return {
      scheme: "auth-capture",
      payment,
      requirements: authCapture,
      info,
      paymentInfoHash: paymentInfoHash(chainId, AUTH_CAPTURE_DEPLOYMENT.escrow, info),
      signedByPayer: await recoversToPayer(quote.network, payment),
    };
  }
  const exact = offered(EXACT_SCHEME);
  if (!exact || (opts.scheme !== null && opts.scheme !== EXACT_SCHEME)) {
    throw new PaymentRejected(
      "unsupported_scheme",
      `Pay with one of: ${quote.accepts.map((a) => `"${a.scheme}"`).join(", ")}.`,
    );
  }
  const payment = parseExactPayment(raw);
  // Paid at submission: the authorization only has to last until we send it.
  checkPayment(payment, exact, now, now + 6, formatUsdc);
  checkPayer(payment.from);
  return { scheme: "exact", payment, requirements: exact };
}

/**
 * The chain's verdict on a prepared payment, before anything is written: the
 * signature (ECDSA, ERC-1271 and ERC-6492 alike), the balance, and a simulation of
 * the call that will collect it (auth-capture: the escrow's `authorize`; exact: the
 * facilitator's verify). Throws PaymentRejected, or 503 when the chain cannot answer.
 */
export async function verifyOnChain(deps: Deps, quote: JobQuote, prepared: PreparedPayment): Promise<VerifiedPayment> {
  const started = performance.now();
  let outcome = "invalid";
  try {
    const chain = await getChain(deps).catch((err: unknown) => {
      outcome = "unavailable";
      deps.log.error({ err }, "payment chain unavailable");
      throw chainDown();
    });
    const verified =
      prepared.scheme === "auth-capture"
        ? await verifyAuthCaptureOnChain(deps, chain, prepared)
        : await verifyExactOnChain(deps, chain, quote, prepared);
    outcome = "valid";
    return verified;
  } catch (err) {
    if (err instanceof AppError && err.code === "SERVICE_UNAVAILABLE") outcome = "unavailable";
    throw err;
  } finally {
    deps.metrics.paymentVerifications.inc({ outcome });
    deps.metrics.paymentVerifyLatency.observe((performance.now() - started) / 1000);
  }
}

/** The ReceiveWithAuthorization the buyer signed, as the token (and the escrow's collector) will check it. */
function receiveAuthorization(network: NetworkConfig, payment: AuthCapturePayment) {
  return {
    domain: tokenDomain({ ...network.usdc, chainId: network.chainId }),
    types: RECEIVE_WITH_AUTHORIZATION_TYPES,
    primaryType: "ReceiveWithAuthorization" as const,
    message: {
      from: payment.from,
      to: payment.to,
      value: payment.value,
      validAfter: payment.validAfter,
      validBefore: payment.validBefore,
      nonce: payment.nonce,
    },
    signature: (payment.payload.payload as { signature: Hex }).signature,
  };
}

async function recoversToPayer(network: NetworkConfig, payment: AuthCapturePayment): Promise<boolean> {
  const { signature, ...typedData } = receiveAuthorization(network, payment);
  try {
    return isAddressEqual(await recoverSigner(hashTypedData(typedData), signature), payment.from);
  } catch {
    return false; // not a 65-byte ECDSA signature: perhaps a contract wallet's
  }
}

/**
 * auth-capture on chain, in as few round trips as the chain allows: a signature that did
 * not recover to the payer is asked of the chain (ERC-1271 / ERC-6492 wallets); then one
 * gas estimate of the escrow's `authorize` as our operator, which is the simulation: it
 * fails for a bad signature, a short balance, a used or cancelled authorization, a
 * collected payment or wrong terms, and its gas is what the send uses.
 */
async function verifyAuthCaptureOnChain(
  deps: Deps,
  chain: ChainService,
  prepared: Extract<PreparedPayment, { scheme: "auth-capture" }>,
): Promise<VerifiedAuthCapture> {
  const { payment, info } = prepared;
  const rpc = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      if (err instanceof EscrowRevertError) throw err;
      deps.log.warn({ err }, "payment chain unavailable");
      throw chainDown();
    });
  const invalidSignature = () =>
    new PaymentRejected(
      "invalid_signature",
      `The payment signature is not valid for ${payment.from} (sign it with that wallet, for USDC on ${chain.network.label}).`,
    );
  if (!prepared.signedByPayer) {
    if (
      !(await rpc(
        chain.publicClient.verifyTypedData({ address: payment.from, ...receiveAuthorization(chain.network, payment) }),
      ))
    ) {
      throw invalidSignature();
    }
  }
  const { ops } = await getEscrow(deps);
  const signature = (payment.payload.payload as { signature: Hex }).signature;
  let authorizeGas: bigint;
  let fromBlock: bigint;
  try {
    [authorizeGas, fromBlock] = await rpc(
      Promise.all([ops.estimateAuthorize(info, info.maxAmount, signature), chain.relayer!.knownBlock()]),
    );
  } catch (err) {
    if (!(err instanceof EscrowRevertError)) throw err;
    const refusal = authorizeRefusal(err.reason);
    if (refusal.reason === "insufficient_balance") {
      const balance = await usdcBalance(chain.publicClient, chain.network.usdc.address, payment.from).catch(() => null);
      if (balance !== null) {
        throw new PaymentRejected(
          "insufficient_balance",
          `Your USDC balance is ${formatUsdc(balance)}; this job holds up to ${formatUsdc(payment.value)} in escrow.`,
          err.reason,
        );
      }
    }
    throw refusal;
  }
  return {
    ...payment,
    scheme: "auth-capture",
    requirements: prepared.requirements,
    info,
    paymentInfoHash: prepared.paymentInfoHash,
    authorizeGas,
    fromBlock,
  };
}

/** Why the escrow would not (or did not) collect an authorization, for the buyer. */
export function authorizeRefusal(reason: string): PaymentRejected {
  const map: [RegExp, PaymentReason, string][] = [
    [
      /used or canceled|PaymentAlreadyCollected/i,
      "nonce_already_used",
      "This payment authorization was already used or cancelled; sign a new one.",
    ],
    [/AfterPreApprovalExpiry|expired/i, "expired", "The payment authorization has expired; sign a new one."],
    [/not yet valid/i, "not_yet_valid", "The payment authorization is not valid yet."],
    [/exceeds balance|insufficient/i, "insufficient_balance", "Your USDC balance is too low for this job's ceiling."],
    [/signature/i, "invalid_signature", "The payment signature is not valid."],
    [/InvalidExpiries/i, "deadline_invalid", "The payment's deadlines are out of order; pay against a fresh quote."],
    [/Fee/i, "fee_mismatch", "The payment's fee terms are not acceptable to the escrow."],
  ];
  const hit = map.find(([re]) => re.test(reason));
  return hit
    ? new PaymentRejected(hit[1], hit[2], reason)
    : new PaymentRejected("authorization_failed", `The escrow refused the payment (${reason.slice(0, 200)}).`, reason);
}

async function verifyExactOnChain(
  deps: Deps,
  chain: ChainService,
  quote: JobQuote,
  prepared: Extract<PreparedPayment, { scheme: "exact" }>,
): Promise<VerifiedExact> {
  const { payment, requirements } = prepared;
  let verdict;
  try {
    verdict = await chain.facilitator.verify(payment.payload, requirements);
  } catch (err) {
    if (err instanceof FacilitatorUnavailableError) {
      deps.log.warn({ err }, "payment facilitator unavailable");
      throw chainDown();
    }
    throw err;
  }
  if (!verdict.isValid) {
    const reason = reasonFromFacilitator(verdict.invalidReason);
    if (reason === "invalid_signature" && !(await chainReachable(chain.publicClient))) throw chainDown();
    throw new PaymentRejected(
      reason,
      await describeRefusal(chain, quote, payment, reason, verdict.invalidMessage),
      verdict.invalidReason,
    );
  }
  return { ...payment, scheme: "exact", requirements };
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
