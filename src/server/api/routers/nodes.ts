import { z } from "zod";
import { signedSetNodePausedSchema, signedUpdateNodeSchema } from "@computeswarm/protocol";
import { publicProcedure, router, sellerProcedure, syncParsed } from "../trpc";
import { setNodePaused, updateNode } from "../../services/nodes/manage-node";
import { getNode, listNodes, listNodesInputSchema, listNodesOutputSchema } from "../../services/nodes/discover-nodes";
import { nodeViewSchema } from "../../services/nodes/node-view";

const nodeIdInput = z.object({ id: z.string().uuid() });

export const nodesRouter = router({
  update: sellerProcedure
    .input(signedUpdateNodeSchema)
    .output(z.object({ nodeId: z.string() }))
    .mutation(({ ctx, input }) => updateNode(ctx.deps, input)),

  pause: sellerProcedure
    .input(signedSetNodePausedSchema.refine((i) => i.message.paused, "message.paused must be true to pause"))
    .output(z.object({ nodeId: z.string(), paused: z.boolean() }))
    .mutation(({ ctx, input }) => setNodePaused(ctx.deps, input)),

  resume: sellerProcedure
    .input(signedSetNodePausedSchema.refine((i) => !i.message.paused, "message.paused must be false to resume"))
    .output(z.object({ nodeId: z.string(), paused: z.boolean() }))
    .mutation(({ ctx, input }) => setNodePaused(ctx.deps, input)),

  list: publicProcedure
    .meta({ rateLimit: "discovery" })
    .input(syncParsed(listNodesInputSchema.default({ status: "online", sort: "price_asc", limit: 20 })))
    .output(syncParsed(listNodesOutputSchema))
    .query(({ ctx, input }) => listNodes(ctx.deps, input)),

  get: publicProcedure
    .meta({ rateLimit: "discovery" })
    .input(syncParsed(nodeIdInput))
    .output(syncParsed(nodeViewSchema))
    .query(({ ctx, input }) => getNode(ctx.deps, input.id)),
});
