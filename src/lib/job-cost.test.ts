import { describe, expect, it } from "vitest";
import { jobCost } from "./job-cost";

const pay = (status: string, o: { scheme?: string; capturedUsdc?: string | null } = {}) => ({
  scheme: o.scheme ?? "auth-capture",
  status,
  amountUsdc: "0.06",
  capturedUsdc: o.capturedUsdc ?? null,
});

describe("jobCost", () => {
  it("a free node's job is free", () => {
    expect(jobCost({ status: "completed", costUsd: null, payment: null })).toEqual({ kind: "free", usd: "0" });
    expect(jobCost({ status: "completed", costUsd: "0", payment: null }).kind).toBe("free");
  });
  it("a held payment shows the ceiling; captured shows what was charged", () => {
    expect(jobCost({ status: "running", costUsd: "0.06", payment: pay("held") })).toEqual({
      kind: "held",
      usd: "0.06",
    });
    expect(
      jobCost({ status: "completed", costUsd: "0.06", payment: pay("captured", { capturedUsdc: "0.003" }) }),
    ).toEqual({ kind: "charged", usd: "0.003" });
  });
  it("a cancelled or voided job shows no charge, even before its void is sent", () => {
    expect(jobCost({ status: "cancelled", costUsd: "0.06", payment: pay("held") })).toEqual({ kind: "none", usd: "0" });
    expect(jobCost({ status: "cancelled", costUsd: "0.06", payment: pay("settling") }).kind).toBe("none");
    expect(jobCost({ status: "failed", costUsd: "0.06", payment: pay("voided") })).toEqual({ kind: "none", usd: "0" });
    expect(jobCost({ status: "failed", costUsd: "0.06", payment: pay("reclaimed") }).kind).toBe("none");
  });
  it("exact is paid in full at submission", () => {
    expect(
      jobCost({
        status: "queued",
        costUsd: "0.06",
        payment: pay("captured", { scheme: "exact", capturedUsdc: "0.06" }),
      }),
    ).toEqual({
      kind: "charged",
      usd: "0.06",
    });
    expect(jobCost({ status: "queued", costUsd: "0.06", payment: pay("authorizing", { scheme: "exact" }) }).kind).toBe(
      "charged",
    );
  });
});
