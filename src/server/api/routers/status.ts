import { publicProcedure, router } from "../trpc";
import { marketStatus, marketStatusSchema } from "../../services/status/status";

export const statusRouter = router({
  /** The status page (/status): database, Redis, chain, agents online, settlement queue. */
  get: publicProcedure.output(marketStatusSchema).query(({ ctx }) => marketStatus(ctx.deps)),
});
