import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, signedInCaller } from "@/test/market";
import { subscribe } from "../events/bus";
import { FLUSH_MS, JOB_STATE_MS, jobLogState } from "./log-buffer";

/** Live log chunks are stored in windows (log-buffer.ts), not one INSERT per chunk. */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps?.cleanup());

async function runningJob() {
  const { nodeId, agent } = await onlineNode(deps, "0");
  const buyer = await signedInCaller(deps, privateKeyToAccount(generatePrivateKey()));
  const { id } = await buyer.jobs.submit(pythonJob(nodeId));
  await agent.agent.claim({ waitSeconds: 0, bootId: `boot-${id.slice(0, 12)}` });
  return { id, agent, buyer };
}

const stored = (jobId: string) =>
  deps.prisma.jobLog.findMany({ where: { jobId }, orderBy: { id: "asc" }, select: { seq: true, stream: true } });

describe("batched live logs", () => {
  it("acknowledges and publishes at once, stores the window in one go, in order, retries once", async () => {
    const { id, agent, buyer } = await runningJob();
    const heard: number[] = [];
    const unsubscribe = await subscribe(deps, `job:${id}`, (m) => {
      const e = JSON.parse(m) as { type: string; seq?: number };
      if (e.type === "log") heard.push(e.seq ?? -1);
    });
    await agent.agent.appendLog({ jobId: id, seq: 0, stream: "stdout", data: "line 0\n" });
    // Acknowledged, not yet in the table: no INSERT per chunk.
    expect(await stored(id)).toHaveLength(0);
    for (let seq = 1; seq < 40; seq++)
      await agent.agent.appendLog({ jobId: id, seq, stream: "stdout", data: `line ${seq}\n` });
    await agent.agent.appendLog({ jobId: id, seq: 7, stream: "stdout", data: "line 7\n" }); // a retry
    await new Promise((r) => setTimeout(r, FLUSH_MS * 3));
    const rows = await stored(id);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Published as they came, the retry not again.
    expect(heard).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // A retry of a stored chunk is acknowledged and stored once.
    await agent.agent.appendLog({ jobId: id, seq: 3, stream: "stdout", data: "line 3\n" });
    expect(await buyer.jobs.logs({ id })).toHaveLength(40);
    expect((await buyer.jobs.get({ id })).logGaps).toBe(0);
    await unsubscribe();
  });

  it("reads of a job see the chunks this instance acknowledged, holes still counted", async () => {
    const { id, agent, buyer } = await runningJob();
    for (const seq of [0, 1, 5]) await agent.agent.appendLog({ jobId: id, seq, stream: "stderr", data: `e${seq}` });
    expect((await buyer.jobs.get({ id })).logGaps).toBe(3);
    expect((await buyer.jobs.logs({ id })).map((l) => l.seq)).toEqual([0, 1, 5]);
  });

  it("a job's completion stores its pending chunks first; later chunks are refused", async () => {
    const { id, agent } = await runningJob();
    for (let seq = 0; seq < 5; seq++) await agent.agent.appendLog({ jobId: id, seq, stream: "stdout", data: "x\n" });
    await agent.agent.complete({ jobId: id, exitCode: 0, output: "done", durationMs: 10 });
    expect(await stored(id)).toHaveLength(5); // without waiting for the window
    await expect(agent.agent.appendLog({ jobId: id, seq: 5, stream: "stdout", data: "x\n" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("many jobs' chunks in one window all land", async () => {
    const jobs = await Promise.all(Array.from({ length: 4 }, () => runningJob()));
    await Promise.all(
      jobs.flatMap(({ id, agent }) =>
        Array.from({ length: 10 }, (_, seq) => agent.agent.appendLog({ jobId: id, seq, stream: "stdout", data: "y" })),
      ),
    );
    for (const { id, buyer } of jobs) {
      // Concurrent requests arrive in any order: the ids follow arrival.
      const seqs = (await buyer.jobs.logs({ id })).map((l) => l.seq);
      expect(seqs.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
  });
  it("jobs due a re-read of their state share one query; a status changed elsewhere is seen", async () => {
    const jobs = await Promise.all(Array.from({ length: 5 }, () => runningJob()));
    for (const { id, agent } of jobs) await agent.agent.appendLog({ jobId: id, seq: 0, stream: "stdout", data: "a" });
    // Another instance cancels one of them.
    await deps.prisma.job.update({ where: { id: jobs[0]!.id }, data: { status: "cancelled" } });
    const prisma = deps.prisma as unknown as { $queryRaw: (strings: TemplateStringsArray, ...v: unknown[]) => unknown };
    const queryRaw = prisma.$queryRaw.bind(deps.prisma);
    let stateReads = 0;
    prisma.$queryRaw = (strings, ...v) => {
      if (strings.join("?").includes("FROM jobs j WHERE j.id = ANY")) stateReads++;
      return queryRaw(strings, ...v);
    };
    try {
      deps.clock.advance(JOB_STATE_MS);
      const states = await Promise.all(jobs.map(({ id }) => jobLogState(deps, id)));
      expect(stateReads).toBe(1);
      expect(states.map((st) => st?.status)).toEqual(["cancelled", "running", "running", "running", "running"]);
      // What the process knew stays: the bytes it counted.
      expect(states.map((st) => st?.bytes)).toEqual([1, 1, 1, 1, 1]);
      await expect(
        jobs[0]!.agent.agent.appendLog({ jobId: jobs[0]!.id, seq: 1, stream: "stdout", data: "b" }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
    } finally {
      prisma.$queryRaw = queryRaw;
    }
  });
});
