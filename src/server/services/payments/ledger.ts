import { z } from "zod";
import { dateInRange } from "@computeswarm/protocol";
import type { Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { formatUsdc } from "@/lib/money";
import { publish } from "../events/bus";
import { settlementNudgeChannel } from "../jobs/transition";
import { PAYMENT_STATUSES, paymentViewSchema, toPaymentView } from "./payment-view";

/** The payments ledger: a buyer's payments, a seller's receipts, and the admin view with totals. */

const page = {
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().uuid().optional(),
};

export const listPaymentsInputSchema = z.object({
  role: z.enum(["buyer", "seller"]).default("buyer"),
  status: z.enum(PAYMENT_STATUSES).optional(),
  ...page,
});

export const paymentPageSchema = z.object({ items: z.array(paymentViewSchema), nextCursor: z.string().nullable() });

export const adminPaymentsInputSchema = z.object({
  status: z.enum(PAYMENT_STATUSES).optional(),
  /** Created at or after (ISO date-time). */
  from: dateInRange().optional(),
  /** Created before (ISO date-time). */
  to: dateInRange().optional(),
  /** Payer or payee. */
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  ...page,
});

/** amountUsdc: the ceilings (held or paid); captured: to sellers (fee included); fees; returned: to buyers. */
const totalSchema = z.object({
  count: z.number(),
  amountUsdc: z.string(),
  capturedUsdc: z.string(),
  feeUsdc: z.string(),
  returnedUsdc: z.string(),
});
export const adminPaymentsSchema = paymentPageSchema.extend({
  totals: totalSchema.extend({ byStatus: z.record(z.string(), totalSchema) }),
});

async function pageOf(
  deps: Deps,
  where: Prisma.PaymentWhereInput,
  limit: number,
  cursor: string | undefined,
  showError: boolean,
) {
  const rows = await deps.prisma.payment.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
  });
  const items = rows.slice(0, limit);
  return {
    items: items.map((p) => toPaymentView(p, { showError })),
    nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null,
  };
}

const sameAddress = (a: string) => ({ equals: a, mode: "insensitive" as const });

/** The signed-in address's payments: as payer (buyer) or as payee (seller). */
export async function listPayments(
  deps: Deps,
  viewer: { address: string },
  input: z.infer<typeof listPaymentsInputSchema>,
) {
  const where: Prisma.PaymentWhereInput = {
    ...(input.role === "buyer"
      ? { fromAddress: sameAddress(viewer.address) }
      : { toAddress: sameAddress(viewer.address) }),
    ...(input.status ? { status: input.status } : {}),
  };
  return pageOf(deps, where, input.limit, input.cursor, false);
}

export async function adminPayments(deps: Deps, input: z.infer<typeof adminPaymentsInputSchema>) {
  const where: Prisma.PaymentWhereInput = {
    ...(input.status ? { status: input.status } : {}),
    ...(input.from || input.to
      ? { createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) } }
      : {}),
    ...(input.address
      ? { OR: [{ fromAddress: sameAddress(input.address) }, { toAddress: sameAddress(input.address) }] }
      : {}),
  };
  const [result, groups] = await Promise.all([
    pageOf(deps, where, input.limit, input.cursor, true),
    deps.prisma.payment.groupBy({
      by: ["status"],
      where,
      _count: { _all: true },
      _sum: { amountAtomic: true, capturedAtomic: true, feeAtomic: true, returnedAtomic: true },
    }),
  ]);
  const atomic = (d: { toFixed(n: number): string } | null | undefined) => BigInt(d?.toFixed(0) ?? "0");
  const byStatus: Record<string, z.infer<typeof totalSchema>> = {};
  const all = { count: 0, amount: 0n, captured: 0n, fee: 0n, returned: 0n };
  for (const g of groups) {
    const t = {
      amount: atomic(g._sum.amountAtomic),
      captured: atomic(g._sum.capturedAtomic),
      fee: atomic(g._sum.feeAtomic),
      returned: atomic(g._sum.returnedAtomic),
    };
    byStatus[g.status] = {
      count: g._count._all,
      amountUsdc: formatUsdc(t.amount),
      capturedUsdc: formatUsdc(t.captured),
      feeUsdc: formatUsdc(t.fee),
      returnedUsdc: formatUsdc(t.returned),
    };
    all.count += g._count._all;
    all.amount += t.amount;
    all.captured += t.captured;
    all.fee += t.fee;
    all.returned += t.returned;
  }
  return {
    ...result,
    totals: {
      count: all.count,
      amountUsdc: formatUsdc(all.amount),
      capturedUsdc: formatUsdc(all.captured),
      feeUsdc: formatUsdc(all.fee),
      returnedUsdc: formatUsdc(all.returned),
      byStatus,
    },
  };
}

/** An admin sends a failed (or backing-off) settlement again now. Audit-logged. */
export async function retrySettlement(deps: Deps, admin: string, input: { paymentId: string }) {
  const payment = await deps.prisma.$transaction(async (tx) => {
    const p = await tx.payment.findUnique({ where: { id: input.paymentId } });
    if (!p) throw new AppError("NOT_FOUND", `No payment ${input.paymentId}.`, "payment_not_found");
    if (!["failed", "held", "settling"].includes(p.status) || p.scheme !== "auth-capture") {
      throw new AppError(
        "CONFLICT",
        `This payment is ${p.status}; only a failed or unsettled escrow payment can be retried.`,
        "not_retryable",
      );
    }
    const updated = await tx.payment.update({
      where: { id: p.id },
      data: { status: p.status === "failed" ? "held" : p.status, nextAttemptAt: deps.clock.now() },
    });
    await tx.adminAuditLog.create({
      data: {
        adminAddress: admin,
        action: "retry_settlement",
        targetType: "payment",
        targetId: p.id,
        details: { previousStatus: p.status, lastError: p.lastError, attempts: p.settlementAttempts },
      },
    });
    return updated;
  });
  await publish(deps, settlementNudgeChannel, { jobId: payment.jobId });
  return toPaymentView(payment, { showError: true });
}
