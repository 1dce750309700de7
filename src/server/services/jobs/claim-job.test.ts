import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, signedInCaller } from "@/test/market";

/** Orphan detection by boot id: concurrent claims of one agent process never fail each other's job. */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps?.cleanup());

describe("claim and orphans", () => {
  it("five concurrent claims with one token: one gets the job, none fails it; a restarted agent's claim does", async () => {
    const { nodeId, agent } = await onlineNode(deps, "0");
    const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
    const submitted = await buyer.jobs.submit(pythonJob(nodeId));
    const bootId = "boot-aaaaaaaaaaaa";

    const claims = await Promise.all(
      Array.from({ length: 5 }, (_, i) => agent.agent.claim({ waitSeconds: i === 0 ? 0 : 1, bootId })),
    );
    const got = claims.map((c) => c.job?.id).filter(Boolean);
    expect(got).toEqual([submitted.id]);
    // The siblings that came back empty did not touch it.
    expect((await buyer.jobs.get({ id: submitted.id })).status).toBe("running");
    await agent.agent.claim({ waitSeconds: 0, bootId });
    expect((await buyer.jobs.get({ id: submitted.id })).status).toBe("running");

    // An agent without a boot id (protocol 1) orphans nothing either.
    await agent.agent.claim({ waitSeconds: 0 });
    expect((await buyer.jobs.get({ id: submitted.id })).status).toBe("running");

    // The agent restarted (a new boot id): the job it lost fails as a node error.
    await agent.agent.claim({ waitSeconds: 0, bootId: "boot-bbbbbbbbbbbb" });
    const lost = await buyer.jobs.get({ id: submitted.id });
    expect(lost).toMatchObject({ status: "failed", failureReason: "node_error" });
  });

  it("counts log chunks that never arrived and shows the count with the job", async () => {
    const { nodeId, agent } = await onlineNode(deps, "0");
    const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
    const { id } = await buyer.jobs.submit(pythonJob(nodeId));
    await agent.agent.claim({ waitSeconds: 0, bootId: "boot-cccccccccccc" });
    expect((await buyer.jobs.get({ id })).logGaps).toBe(0);
    const chunk = (seq: number, stream: "stdout" | "stderr" = "stdout") =>
      agent.agent.appendLog({ jobId: id, seq, stream, data: `${stream} ${seq}\n` });
    // stdout 0, 1, (2, 3 lost), 4, a retried 0; stderr (0, 1 lost), 2.
    for (const c of [chunk(0), chunk(1), chunk(4), chunk(0), chunk(2, "stderr")]) await c;
    expect((await buyer.jobs.get({ id })).logGaps).toBe(4);
    expect(await buyer.jobs.logs({ id })).toHaveLength(4);
  });
});
