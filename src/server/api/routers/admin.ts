import { z } from "zod";
import { nonNegativeInt4, text } from "@computeswarm/protocol";
import { adminProcedure, router } from "../trpc";
import { setNodeSuspended } from "../../services/nodes/manage-node";
import {
  adminPayments,
  adminPaymentsInputSchema,
  adminPaymentsSchema,
  retrySettlement,
} from "../../services/payments/ledger";
import { paymentViewSchema } from "../../services/payments/payment-view";
import {
  adminNodes,
  adminNodesInputSchema,
  adminNodesOutputSchema,
  auditEntrySchema,
  auditLog,
  marketStats,
  marketStatsSchema,
} from "../../services/admin/market";

const suspendInput = z.object({ nodeId: z.string().uuid(), reason: text().trim().min(1).max(500).optional() });
const suspendOutput = z.object({ nodeId: z.string(), suspended: z.boolean() });

export const adminRouter = router({
  /** Market overview: nodes online by GPU model, jobs by state, settled volume, failure reasons. */
  stats: adminProcedure.output(marketStatsSchema).query(({ ctx }) => marketStats(ctx.deps)),

  /** Every node, suspended ones included. */
  nodes: adminProcedure
    .input(adminNodesInputSchema.default({ limit: 50, offset: 0 }))
    .output(adminNodesOutputSchema)
    .query(({ ctx, input }) => adminNodes(ctx.deps, input)),

  /** What admins did, newest first. */
  audit: adminProcedure
    .input(
      z
        .object({ limit: z.number().int().min(1).max(200).default(50), offset: nonNegativeInt4().default(0) })
        .default({ limit: 50, offset: 0 }),
    )
    .output(z.array(auditEntrySchema))
    .query(({ ctx, input }) => auditLog(ctx.deps, input)),

  suspendNode: adminProcedure
    .input(suspendInput)
    .output(suspendOutput)
    .mutation(({ ctx, input }) => setNodeSuspended(ctx.deps, ctx.admin, { ...input, suspended: true })),

  unsuspendNode: adminProcedure
    .input(suspendInput.pick({ nodeId: true }))
    .output(suspendOutput)
    .mutation(({ ctx, input }) => setNodeSuspended(ctx.deps, ctx.admin, { ...input, suspended: false })),

  /** The payments ledger with filters (status, created from/to, payer or payee) and totals per status. */
  payments: adminProcedure
    .input(adminPaymentsInputSchema.default({ limit: 20 }))
    .output(adminPaymentsSchema)
    .query(({ ctx, input }) => adminPayments(ctx.deps, input)),

  /** Sends a failed or backing-off settlement again now (audit-logged). */
  retrySettlement: adminProcedure
    .input(z.object({ paymentId: z.string().uuid() }))
    .output(paymentViewSchema)
    .mutation(({ ctx, input }) => retrySettlement(ctx.deps, ctx.admin, input)),
});
