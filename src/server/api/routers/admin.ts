import { z } from "zod";
import { adminProcedure, router } from "../trpc";
import { setNodeSuspended } from "../../services/nodes/manage-node";

const suspendInput = z.object({ nodeId: z.string().uuid(), reason: z.string().trim().min(1).max(500).optional() });
const suspendOutput = z.object({ nodeId: z.string(), suspended: z.boolean() });

export const adminRouter = router({
  suspendNode: adminProcedure
    .input(suspendInput)
    .output(suspendOutput)
    .mutation(({ ctx, input }) => setNodeSuspended(ctx.deps, ctx.admin, { ...input, suspended: true })),

  unsuspendNode: adminProcedure
    .input(suspendInput.pick({ nodeId: true }))
    .output(suspendOutput)
    .mutation(({ ctx, input }) => setNodeSuspended(ctx.deps, ctx.admin, { ...input, suspended: false })),
});
