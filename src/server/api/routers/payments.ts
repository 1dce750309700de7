import { authedProcedure, router } from "../trpc";
import { listPayments, listPaymentsInputSchema, paymentPageSchema } from "../../services/payments/ledger";
import { walletBalance, walletBalanceSchema } from "../../services/payments/balance";

export const paymentsRouter = router({
  /** The signed-in address's payments: made (role buyer) or received (role seller), newest first. */
  list: authedProcedure
    .input(listPaymentsInputSchema.default({ role: "buyer", limit: 20 }))
    .output(paymentPageSchema)
    .query(({ ctx, input }) => listPayments(ctx.deps, ctx.session, input)),

  /** The signed-in address's USDC balance on the marketplace's chain (account menu, job form). */
  balance: authedProcedure.output(walletBalanceSchema).query(({ ctx }) => walletBalance(ctx.deps, ctx.session.address)),
});
