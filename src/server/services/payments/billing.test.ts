import { describe, expect, it } from "vitest";
import { billedSeconds, captureAmount, feeOf, isBillable, settlementDecision } from "./billing";

const t0 = new Date("2026-12-01T12:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const job = (over: Partial<Parameters<typeof settlementDecision>[0]> = {}) => ({
  status: "completed",
  failureReason: null,
  startedAt: t0,
  completedAt: at(2_200),
  maxDurationSeconds: 60,
  durationMs: 2_100,
  ...over,
});
const node = { pricePerHour: "3.60" };

describe("billed seconds", () => {
  it("is the server-clocked run time rounded up, at least 1 s, at most the limit", () => {
    expect(billedSeconds(job())).toBe(3);
    expect(billedSeconds(job({ completedAt: at(3_000) }))).toBe(3);
    expect(billedSeconds(job({ completedAt: at(3_001) }))).toBe(4);
    expect(billedSeconds(job({ completedAt: at(40) }))).toBe(1);
    expect(billedSeconds(job({ completedAt: t0 }))).toBe(1);
    expect(billedSeconds(job({ completedAt: at(75_000) }))).toBe(60);
  });
  it("is the max duration for a job stopped at its limit", () => {
    expect(billedSeconds(job({ status: "timed_out", failureReason: "timed_out", completedAt: at(10_000) }))).toBe(60);
  });
});

describe("capture amount", () => {
  it("is ceil(price per hour × seconds / 3600) in atomic USDC, never above the ceiling", () => {
    expect(captureAmount("3.60", 3, 60_000n)).toBe(3_000n);
    expect(captureAmount("1.00", 1, 1_000_000n)).toBe(278n); // 277.77… rounded up
    expect(captureAmount("3.60", 60, 60_000n)).toBe(60_000n);
    expect(captureAmount("3.60", 61, 60_000n)).toBe(60_000n);
  });
  it("fee is floor(amount × bps / 10000)", () => {
    expect(feeOf(3_000n, 250)).toBe(75n);
    expect(feeOf(3_333n, 100)).toBe(33n);
    expect(feeOf(3_000n, 0)).toBe(0n);
  });
});

describe("which outcomes are captured", () => {
  it("completed, job_error and an agent-reported timeout are billable; nothing else", () => {
    expect(isBillable(job())).toBe(true);
    expect(isBillable(job({ status: "failed", failureReason: "job_error" }))).toBe(true);
    expect(isBillable(job({ status: "timed_out", failureReason: "timed_out" }))).toBe(true);
    expect(isBillable(job({ status: "timed_out", failureReason: "timed_out", durationMs: null }))).toBe(false);
    expect(isBillable(job({ status: "failed", failureReason: "node_error", durationMs: null }))).toBe(false);
    expect(
      isBillable(job({ status: "cancelled", failureReason: "cancelled", startedAt: null, durationMs: null })),
    ).toBe(false);
  });

  it("decides capture with the amount, or void, or wait", () => {
    const now = at(10_000);
    expect(settlementDecision(job(), node, 60_000n, now, 120)).toEqual({
      kind: "capture",
      billedSeconds: 3,
      amountAtomic: 3_000n,
    });
    expect(settlementDecision(job({ status: "running", completedAt: null }), node, 60_000n, now, 120)).toMatchObject({
      kind: "wait",
      reason: "not_finished",
    });
    const neverStarted = job({ status: "cancelled", failureReason: "cancelled", startedAt: null, durationMs: null });
    expect(settlementDecision(neverStarted, node, 60_000n, now, 120)).toEqual({ kind: "void", reason: "cancelled" });
  });

  it("a job failed for silence is voided only after the grace (a late report may still come)", () => {
    const silent = job({ status: "failed", failureReason: "node_error", durationMs: null, completedAt: at(5_000) });
    expect(settlementDecision(silent, node, 60_000n, at(5_000 + 119_000), 120)).toMatchObject({
      kind: "wait",
      reason: "void_grace",
      until: at(125_000),
    });
    expect(settlementDecision(silent, node, 60_000n, at(125_000), 120)).toEqual({ kind: "void", reason: "node_error" });
    const unreported = job({
      status: "timed_out",
      failureReason: "timed_out",
      durationMs: null,
      completedAt: at(90_000),
    });
    expect(settlementDecision(unreported, node, 60_000n, at(300_000), 120)).toEqual({
      kind: "void",
      reason: "not_reported",
    });
  });
});
