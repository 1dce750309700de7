import { z } from "zod";
import { publicProcedure, router } from "../trpc";
import { chainIdOf } from "@/lib/chains";
import { isEmbeddedChain, localDev } from "../../dev/load";

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
    // Off the embedded chain the demo code is not even loaded: no keys to offer.
    .query(({ ctx }) =>
      isEmbeddedChain(ctx.deps.env)
        ? localDev().demoWallet(ctx.deps)
        : { enabled: false, chainId: chainIdOf(ctx.deps.env.CHAIN), marketplaceUrl: ctx.deps.env.PUBLIC_URL },
    ),
});
