import { createCallerFactory, router } from "./trpc";
import { nodesRouter } from "./routers/nodes";
import { agentRouter } from "./routers/agent";
import { adminRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { jobsRouter } from "./routers/jobs";

export const appRouter = router({
  nodes: nodesRouter,
  agent: agentRouter,
  admin: adminRouter,
  auth: authRouter,
  jobs: jobsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
