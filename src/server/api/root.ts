import { createCallerFactory, router } from "./trpc";
import { nodesRouter } from "./routers/nodes";
import { adminRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { jobsRouter } from "./routers/jobs";
import { paymentsRouter } from "./routers/payments";
import { demoRouter } from "./routers/demo";
import { sellerRouter } from "./routers/seller";
import { statusRouter } from "./routers/status";

export const appRouter = router({
  nodes: nodesRouter,
  admin: adminRouter,
  auth: authRouter,
  jobs: jobsRouter,
  payments: paymentsRouter,
  demo: demoRouter,
  seller: sellerRouter,
  status: statusRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
