import { z } from "zod";
import type { Payment } from "@/generated/prisma/client";
import { explorerTxUrl, getNetworkByCaip2 } from "../../payments/networks";
import { atomicToUsd } from "@/lib/money";

const usdcOf = (atomic: Payment["capturedAtomic"]) => (atomic === null ? null : atomicToUsd(BigInt(atomic.toFixed(0))));

/**
 * authorizing: being collected at submission (the job cannot start yet); held: the ceiling
 * sits in escrow; settling: capture/void in progress; captured: the seller was paid (the
 * seconds used; exact: the ceiling) and the rest returned; voided: all returned to the buyer;
 * reclaimable: the capture deadline passed with the hold still there (the buyer may reclaim);
 * reclaimed: the buyer took it back; failed: needs an admin.
 */
export const PAYMENT_STATUSES = [
  "authorizing",
  "held",
  "settling",
  "captured",
  "voided",
  "reclaimable",
  "reclaimed",
  "failed",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
/** How a payment pays (x402 scheme): "auth-capture" holds the ceiling in escrow and captures the seconds used; "exact" paid the ceiling at submission. */
export const PAYMENT_SCHEMES = ["auth-capture", "exact"] as const;
export type PaymentScheme = (typeof PAYMENT_SCHEMES)[number];

export const paymentViewSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  fromAddress: z.string(),
  toAddress: z.string(),
  amountUsdc: z.string(),
  amountAtomic: z.string(),
  asset: z.string(),
  network: z.string(),
  scheme: z.enum(PAYMENT_SCHEMES),
  status: z.enum(PAYMENT_STATUSES),
  capturedUsdc: z.string().nullable(),
  feeUsdc: z.string().nullable(),
  returnedUsdc: z.string().nullable(),
  billedSeconds: z.number().nullable(),
  paymentInfoHash: z.string().nullable(),
  authorizeTxHash: z.string().nullable(),
  voidTxHash: z.string().nullable(),
  captureDeadline: z.string().nullable(),
  txHash: z.string().nullable(),
  explorerUrl: z.string().nullable(),
  blockNumber: z.string().nullable(),
  settlementAttempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  validBefore: z.string(),
  createdAt: z.string(),
  confirmedAt: z.string().nullable(),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

/** `showError`: settlement errors are for admins (they may name RPC hosts). */
export function toPaymentView(p: Payment, opts: { showError: boolean } = { showError: false }): PaymentView {
  const network = getNetworkByCaip2(p.network);
  return {
    id: p.id,
    jobId: p.jobId,
    fromAddress: p.fromAddress,
    toAddress: p.toAddress,
    amountUsdc: p.amountUsdc.toFixed(6).replace(/0{1,4}$/, ""),
    amountAtomic: p.amountAtomic.toFixed(0),
    asset: p.asset,
    network: p.network,
    scheme: p.scheme as PaymentScheme,
    status: p.status as PaymentStatus,
    capturedUsdc: usdcOf(p.capturedAtomic),
    feeUsdc: usdcOf(p.feeAtomic),
    returnedUsdc: usdcOf(p.returnedAtomic),
    billedSeconds: p.billedSeconds,
    paymentInfoHash: p.paymentInfoHash,
    authorizeTxHash: p.authorizeTxHash,
    voidTxHash: p.voidTxHash,
    captureDeadline: p.captureDeadline?.toISOString() ?? null,
    txHash: p.txHash,
    explorerUrl: p.txHash && network ? explorerTxUrl(network, p.txHash) : null,
    blockNumber: p.blockNumber?.toString() ?? null,
    settlementAttempts: p.settlementAttempts,
    nextAttemptAt: p.nextAttemptAt?.toISOString() ?? null,
    lastError: opts.showError ? p.lastError : null,
    validBefore: p.validBefore.toISOString(),
    createdAt: p.createdAt.toISOString(),
    confirmedAt: p.confirmedAt?.toISOString() ?? null,
  };
}
