import { z } from "zod";
import { publicProcedure, router } from "../trpc";
import { demoWallet } from "../../services/demo/demo-wallet";

const hex = z
  .string()
  .regex(/^0x[0-9a-fA-F]+$/)
  .transform((v) => v as `0x${string}`);

export const demoRouter = router({
  /**
   * The public client settings the browser needs before it connects a wallet:
   * the marketplace's chain id, and, in the embedded default only, the demo
   * buyer's (public, test-only) key for the "Demo wallet", and on a loopback
   * PUBLIC_URL the demo node's seller key for the "Demo seller".
   */
  wallet: publicProcedure
    .output(
      z.object({
        enabled: z.boolean(),
        chainId: z.number(),
        marketplaceUrl: z.string(),
        privateKey: hex.optional(),
        address: hex.optional(),
        rpcUrl: z.string().optional(),
        seller: z.object({ privateKey: hex, address: hex }).optional(),
      }),
    )
    .query(({ ctx }) => demoWallet(ctx.deps)),
});
