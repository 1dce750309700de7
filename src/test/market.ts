/**
 * Marketplace actors for tests: a signed-in buyer (SIWE session), a registered
 * node with its agent, and the agent running a job.
 */
import type { PrivateKeyAccount, LocalAccount } from "viem/accounts";
import type { Deps } from "../server/deps";
import { callerFor } from "./caller";
import { agentHttp, registerOverHttp, type AgentHttp } from "./agent-http";
import { CHAIN_ID, inMinutes, newSeller, signedRegistration, siweSignIn, testDeployment } from "./factories";

export type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

export async function signedInCaller(deps: Deps, account: LocalAccount): Promise<Caller> {
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  const site = new URL(deps.env.PUBLIC_URL);
  await caller.auth.signIn(await siweSignIn(account as PrivateKeyAccount, nonce, site.host, site.origin));
  const cookie = resHeaders.get("set-cookie")!.split(";")[0]!;
  return (await callerFor(deps, { headers: { cookie } })).caller;
}

export async function onlineNode(deps: Deps, pricePerHour: string) {
  const seller = newSeller();
  // Expiry on the Deps' clock, which tests move forward.
  const reg = await registerOverHttp(
    deps,
    await signedRegistration(
      seller,
      { pricePerHour, expiry: inMinutes(10, deps.clock.now().getTime()) },
      testDeployment(CHAIN_ID, deps.env.PUBLIC_URL),
    ),
  );
  const agent = agentHttp(deps, reg.agentToken);
  await agent.agent.heartbeat({});
  return { nodeId: reg.nodeId, seller, agent };
}

/** The agent takes the node's next job and reports `exitCode` (or a node error). */
export async function runNextJob(
  agent: AgentHttp,
  outcome: { exitCode: number } | { nodeError: string } = { exitCode: 0 },
) {
  const { job } = await agent.agent.claim({ waitSeconds: 0 });
  if (!job) throw new Error("no job to claim");
  if ("nodeError" in outcome) await agent.agent.fail({ jobId: job.id, message: outcome.nodeError });
  else await agent.agent.complete({ jobId: job.id, exitCode: outcome.exitCode, output: "result\n", durationMs: 10 });
  return job.id;
}

export const pythonJob = (nodeId: string, maxDurationSeconds = 60) => ({
  nodeId,
  jobType: "python" as const,
  script: "print('result')",
  maxDurationSeconds,
});

/** Polls until `check` returns a value (not undefined/false), or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 5_000,
  stepMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
