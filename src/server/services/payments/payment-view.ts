import { z } from "zod";
import type { Payment } from "@/generated/prisma/client";
import { explorerTxUrl, getNetworkByCaip2 } from "../../payments/networks";

export const PAYMENT_STATUSES = ["pending", "settling", "confirmed", "voided", "failed"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const paymentViewSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  fromAddress: z.string(),
  toAddress: z.string(),
  amountUsdc: z.string(),
  amountAtomic: z.string(),
  asset: z.string(),
  network: z.string(),
  status: z.enum(PAYMENT_STATUSES),
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
    status: p.status as PaymentStatus,
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
