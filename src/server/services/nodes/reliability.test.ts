import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { newSeller, signedRegistration } from "@/test/factories";
import { finishJob } from "../jobs/transition";
import type { JobStatus } from "../jobs/job-states";
import { registerNode } from "./register-node";
import { reliabilityChange, reliabilityFrom } from "./reliability";

/** Reliability's counts on the node row, moved by transitionJob: always what counting the jobs gives. */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps?.cleanup());

describe("reliability counts", () => {
  it("a finished status counts once, a node error also as lost; a corrected presumed loss comes off", () => {
    expect(reliabilityChange("completed", null)).toEqual({ finished: 1, lost: 0 });
    expect(reliabilityChange("failed", "job_error")).toEqual({ finished: 1, lost: 0 });
    expect(reliabilityChange("failed", "node_error")).toEqual({ finished: 1, lost: 1 });
    expect(reliabilityChange("timed_out", "timed_out")).toEqual({ finished: 1, lost: 0 });
    expect(reliabilityChange("cancelled", null)).toEqual({ finished: 0, lost: 0 });
    expect(reliabilityChange("running", null)).toEqual({ finished: 0, lost: 0 });
    expect(reliabilityChange("completed", null, true)).toEqual({ finished: 0, lost: -1 });
    expect(reliabilityFrom(0, 0)).toBeNull();
    expect(reliabilityFrom(4, 1)).toBe(0.75);
  });

  it("after every kind of ending, the node's counts equal a count of its jobs (the migration's backfill)", async () => {
    const seller = newSeller();
    const { nodeId } = await registerNode(deps, await signedRegistration(seller));
    const queued = () =>
      deps.prisma.job.create({
        data: {
          buyerAddress: seller.address,
          nodeId,
          jobType: "python",
          script: "print(1)",
          maxDurationSeconds: 60,
          costUsd: 0,
        },
      });
    const run = async () => {
      const job = await queued();
      await finishJob(deps, job.id, "running", { startedAt: new Date() }, {});
      return job.id;
    };
    const end = (id: string, to: JobStatus, failureReason: string | null = null, failureCause: string | null = null) =>
      finishJob(deps, id, to, { failureReason: failureReason as never, failureCause: failureCause as never }, {});

    await end(await run(), "completed");
    await end(await run(), "failed", "job_error");
    await end(await run(), "timed_out", "timed_out");
    await end(await run(), "failed", "node_error");
    await end((await queued()).id, "failed", "node_error"); // its node stayed offline: never started
    await end((await queued()).id, "cancelled");
    await run(); // still running: not counted
    // Presumed lost (the agent went silent), then its late report shows it completed.
    const presumed = await run();
    await end(presumed, "failed", "node_error", "agent_silent");
    await finishJob(
      deps,
      presumed,
      "completed",
      { failureReason: null, failureCause: null },
      { nodeId, presumedLoss: true },
    );

    const node = await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } });
    const [counted] = await deps.prisma.$queryRaw<{ finished: bigint; lost: bigint }[]>`
      SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'timed_out')) AS finished,
             count(*) FILTER (WHERE failure_reason = 'node_error') AS lost
      FROM jobs WHERE node_id = ${nodeId}::uuid`;
    expect({ finished: node.jobsFinished, lost: node.jobsLost }).toEqual({
      finished: Number(counted!.finished),
      lost: Number(counted!.lost),
    });
    expect(node).toMatchObject({ jobsFinished: 6, jobsLost: 2 });
    expect(reliabilityFrom(node.jobsFinished, node.jobsLost)).toBe(0.667);
  });
});
