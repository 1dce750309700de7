import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { STORED_NODE_STATUSES } from "../services/nodes/node-status";
import { FAILURE_REASONS, JOB_STATUSES, PRESUMED_LOSS_CAUSES } from "../services/jobs/job-states";
import { PAYMENT_SCHEMES, PAYMENT_STATUSES } from "../services/payments/payment-view";
import { LOG_STREAMS } from "@computeswarm/protocol";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps.cleanup());

const CHECKS = [
  { name: "nodes_status_check", values: STORED_NODE_STATUSES },
  { name: "jobs_status_check", values: JOB_STATUSES },
  { name: "jobs_failure_reason_check", values: FAILURE_REASONS },
  { name: "jobs_failure_cause_check", values: PRESUMED_LOSS_CAUSES },
  { name: "payments_status_check", values: PAYMENT_STATUSES },
  { name: "payments_scheme_check", values: PAYMENT_SCHEMES },
  { name: "job_logs_stream_check", values: LOG_STREAMS },
];

const sql = (query: string) => deps.prisma.$executeRawUnsafe(query);

async function insertNode(status = "available"): Promise<string> {
  const [row] = await deps.prisma.$queryRawUnsafe<{ id: string }[]>(
    `INSERT INTO nodes (seller_address, gpu_info, gpu_model, vram_mib, gpu_count, price_per_hour, endpoint, agent_token_hash, status)
     VALUES ('0x0000000000000000000000000000000000000001', '{}', 'H200', 141312, 1, 0, '', md5(random()::text), '${status}')
     RETURNING id`,
  );
  return row!.id;
}

async function insertJob(nodeId: string): Promise<string> {
  const [row] = await deps.prisma.$queryRawUnsafe<{ id: string }[]>(
    `INSERT INTO jobs (buyer_address, node_id, job_type, script, max_duration_seconds)
     VALUES ('0x0000000000000000000000000000000000000002', '${nodeId}', 'python', 'print(1)', 60)
     RETURNING id`,
  );
  return row!.id;
}

describe("status columns", () => {
  it("each CHECK constraint lists exactly the statuses of the code's list", async () => {
    for (const check of CHECKS) {
      const [row] = await deps.prisma.$queryRawUnsafe<{ def: string }[]>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = '${check.name}'`,
      );
      expect(row, check.name).toBeDefined();
      const listed = [...row!.def.matchAll(/'([^']*)'/g)].map((m) => m[1]);
      expect(listed.sort(), check.name).toEqual([...check.values].sort());
    }
  });

  it("the database refuses a status outside the list, and takes every listed one", async () => {
    await expect(insertNode("sleeping")).rejects.toThrow(/nodes_status_check/);
    const nodeId = await insertNode();
    for (const status of STORED_NODE_STATUSES)
      await sql(`UPDATE nodes SET status = '${status}' WHERE id = '${nodeId}'`);
    await expect(sql(`UPDATE nodes SET status = 'offline' WHERE id = '${nodeId}'`)).rejects.toThrow(
      /nodes_status_check/,
    );

    const jobId = await insertJob(nodeId);
    for (const status of JOB_STATUSES) await sql(`UPDATE jobs SET status = '${status}' WHERE id = '${jobId}'`);
    await expect(sql(`UPDATE jobs SET status = 'done' WHERE id = '${jobId}'`)).rejects.toThrow(/jobs_status_check/);
    await expect(sql(`UPDATE jobs SET failure_reason = 'oops' WHERE id = '${jobId}'`)).rejects.toThrow(
      /jobs_failure_reason_check/,
    );
    await expect(sql(`UPDATE jobs SET failure_cause = 'oops' WHERE id = '${jobId}'`)).rejects.toThrow(
      /jobs_failure_cause_check/,
    );

    const payment = (status: string) =>
      sql(
        `INSERT INTO payments (job_id, from_address, to_address, amount_usdc, amount_atomic, asset, network, nonce, valid_after, valid_before, signed_payload, status)
         VALUES ('${jobId}', '0x02', '0x01', 1, 1000000, '0x03', 'eip155:31337', '0x04', now(), now(), '{}', '${status}')`,
      );
    await expect(payment("paid")).rejects.toThrow(/payments_status_check/);
    await payment("held");
    await expect(sql(`UPDATE payments SET scheme = 'upto' WHERE job_id = '${jobId}'`)).rejects.toThrow(
      /payments_scheme_check/,
    );
    for (const scheme of PAYMENT_SCHEMES)
      await sql(`UPDATE payments SET scheme = '${scheme}' WHERE job_id = '${jobId}'`);

    const log = (stream: string, seq: number) =>
      sql(`INSERT INTO job_logs (job_id, seq, stream, data) VALUES ('${jobId}', ${seq}, '${stream}', 'x')`);
    await expect(log("stdin", 0)).rejects.toThrow(/job_logs_stream_check/);
    for (const [seq, stream] of LOG_STREAMS.entries()) await log(stream, seq);
  });
});
