import { z } from "zod";
import { signedPairNodeSchema } from "@computeswarm/protocol";
import { authedProcedure, publicProcedure, router, sellerProcedure } from "../trpc";
import { sellerDashboard, sellerDashboardSchema } from "../../services/seller/dashboard";
import { createPairingCode } from "../../services/nodes/pairing";
import { agentDownload } from "../../services/agent-download/agent-bundle";

export const sellerRouter = router({
  /** The signed-in seller's nodes, earnings and earnings per day. */
  dashboard: authedProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }).default({ days: 30 }))
    .output(sellerDashboardSchema)
    .query(({ ctx, input }) => sellerDashboard(ctx.deps, ctx.session.address, input.days)),

  /** Where a GPU machine downloads the agent, and its sha256 (null when this server has not built it). */
  agentDownload: publicProcedure
    .output(z.object({ url: z.string(), sha256: z.string(), command: z.string() }).nullable())
    .query(({ ctx }) => agentDownload(ctx.deps.env)),

  /** A one-time pairing code for an agent, from the seller's signed PairNode message. */
  createPairingCode: sellerProcedure
    .input(signedPairNodeSchema)
    .output(z.object({ code: z.string(), expiresAt: z.string(), commands: z.array(z.string()) }))
    .mutation(({ ctx, input }) => createPairingCode(ctx.deps, input)),
});
