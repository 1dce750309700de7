import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, signedInCaller } from "@/test/market";
import { startTestServer } from "@/test/http-server";
import { registerOverHttp } from "@/test/agent-http";
import { CHAIN_ID, newSeller, signedRegistration, testDeployment } from "@/test/factories";
import { announceNodeChange } from "../nodes/node-changes";

/** #14: a waiting claim costs no database connection, and a full pool is a 503, never a 500. */
let deps: TestDeps;
beforeAll(async () => {
  // One pooled connection on PostgreSQL: any claim holding it while it waits would starve the rest.
  deps = await createTestDeps({ DATABASE_POOL_SIZE: "1" });
});
afterAll(() => deps?.cleanup());

/** Counts interactive transactions (each claim that looks for a job is one). */
function countTransactions(d: TestDeps) {
  const counts = { transactions: 0 };
  const prisma = d.prisma as unknown as Record<string, (...a: unknown[]) => unknown>;
  const tx = prisma.$transaction!.bind(d.prisma);
  prisma.$transaction = (...a) => (counts.transactions++, tx(...a));
  return { counts, restore: () => void (prisma.$transaction = tx) };
}

describe("waiting claims", () => {
  it("30 claims wait without a transaction; a submitted job wakes one of them at once", async () => {
    const { nodeId, agent } = await onlineNode(deps, "0");
    const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
    const spy = countTransactions(deps);
    try {
      const answeredAt: number[] = [];
      const claims = Array.from({ length: 30 }, (_, i) =>
        agent.agent.claim({ waitSeconds: 4, bootId: "boot-wait-0001" }).then((r) => {
          answeredAt[i] = performance.now();
          return r;
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      // The first claim of a boot looks for orphans once (shared by all 30); waiting costs none.
      expect(spy.counts.transactions).toBeLessThanOrEqual(1);

      const sent = performance.now();
      const job = await buyer.jobs.submit(pythonJob(nodeId));
      const all = await Promise.all(claims);
      const winners = all.flatMap((r, i) => (r.job ? [i] : []));
      expect(winners.map((i) => all[i]!.job!.id)).toEqual([job.id]);
      expect(answeredAt[winners[0]!]! - sent).toBeLessThan(1500);
      // The other 29 waited their time out without asking PostgreSQL again.
      expect(spy.counts.transactions).toBeLessThanOrEqual(3);
    } finally {
      spy.restore();
    }
  });

  it("a resumed node's queued job is claimed by a claim already waiting", async () => {
    const { nodeId, agent } = await onlineNode(deps, "0");
    const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
    const job = await buyer.jobs.submit(pythonJob(nodeId));
    await deps.prisma.node.update({ where: { id: nodeId }, data: { status: "paused" } });
    expect((await agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    const waiting = agent.agent.claim({ waitSeconds: 5 });
    await new Promise((r) => setTimeout(r, 200));
    // Resumed as manage-node.ts does it: the stored change, then the announcement that nudges the node.
    await deps.prisma.node.update({ where: { id: nodeId }, data: { status: "available" } });
    await announceNodeChange(deps, nodeId);
    const sent = performance.now();
    expect((await waiting).job?.id).toBe(job.id);
    expect(performance.now() - sent).toBeLessThan(1500);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("a full connection pool", () => {
  it("answers a claim 503 with Retry-After, not 500", async () => {
    const server = await startTestServer(deps);
    try {
      const reg = await registerOverHttp(
        deps,
        await signedRegistration(newSeller(), { pricePerHour: "0" }, testDeployment(CHAIN_ID, deps.env.PUBLIC_URL)),
      );
      // Hold the pool's only connection for longer than a transaction waits for one.
      const holding = deps.prisma.$transaction(async (tx) => tx.$executeRaw`SELECT pg_sleep(4)`, { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      const res = await fetch(`${server.url}/api/agent/v2/claim`, {
        method: "POST",
        headers: { authorization: `Bearer ${reg.agentToken}`, "content-type": "application/json" },
        body: JSON.stringify({ waitSeconds: 0 }),
      });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await res.json()).error.reason).toBe("storage_unavailable");
      await holding;
    } finally {
      await server.close();
    }
  }, 20_000);
});
