import { z } from "zod";
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
  from: z.coerce.date().optional(),
  /** Created before (ISO date-time). */
  to: z.coerce.date().optional(),
  /** Payer or payee. */
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  ...page,
});

const totalSchema = z.object({ count: z.number(), amountUsdc: z.string() });
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
    deps.prisma.payment.groupBy({ by: ["status"], where, _count: { _all: true }, _sum: { amountUsdc: true } }),
  ]);
  const byStatus: Record<string, { count: number; amountUsdc: string }> = {};
  let count = 0;
  let micro = 0n;
  for (const g of groups) {
    const sum = BigInt((g._sum.amountUsdc?.toFixed(6) ?? "0.000000").replace(".", ""));
    byStatus[g.status] = { count: g._count._all, amountUsdc: formatUsdc(sum) };
    count += g._count._all;
    micro += sum;
  }
  const total = formatUsdc(micro);
  return { ...result, totals: { count, amountUsdc: total, byStatus } };
}

/** An admin sends a failed (or backing-off) settlement again now. Audit-logged. */
export async function retrySettlement(deps: Deps, admin: string, input: { paymentId: string }) {
  const payment = await deps.prisma.$transaction(async (tx) => {
    const p = await tx.payment.findUnique({ where: { id: input.paymentId } });
    if (!p) throw new AppError("NOT_FOUND", `No payment ${input.paymentId}.`, "payment_not_found");
    if (!["failed", "pending", "settling"].includes(p.status)) {
      throw new AppError(
        "CONFLICT",
        `This payment is ${p.status}; only a failed or unsettled payment can be retried.`,
        "not_retryable",
      );
    }
    const updated = await tx.payment.update({
      where: { id: p.id },
      data: { status: p.status === "failed" ? "pending" : p.status, nextAttemptAt: deps.clock.now() },
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
