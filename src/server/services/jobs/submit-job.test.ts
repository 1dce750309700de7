import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, signedInCaller } from "@/test/market";

/** Once the job's transaction commits, the buyer gets the job: Redis failing right after must not turn it into a 500. */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps?.cleanup());

it("answers with the committed job when the Redis publish after the commit fails; the claim still finds it", async () => {
  const node = await onlineNode(deps, "0");
  const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
  const publish = vi.spyOn(deps.redis.cmd, "publish").mockRejectedValue(new Error("Connection is closed."));
  try {
    const job = await buyer.jobs.submit(pythonJob(node.nodeId));
    expect(job).toMatchObject({ status: "queued", nodeId: node.nodeId });
    expect(publish).toHaveBeenCalled(); // the nudge and the status event were attempted, and failed
    expect(await deps.prisma.job.count({ where: { id: job.id } })).toBe(1);
    // No nudge arrived; the claim looks in PostgreSQL all the same.
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job?.id).toBe(job.id);
    await node.agent.agent.complete({ jobId: job.id, exitCode: 0, output: "ok", durationMs: 5 });
    expect((await buyer.jobs.get({ id: job.id })).status).toBe("completed");
  } finally {
    publish.mockRestore();
  }
});
