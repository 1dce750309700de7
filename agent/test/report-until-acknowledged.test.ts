import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MarketplaceClient } from "../src/marketplace/client";
import { reportUntilAcknowledged } from "../src/runner/report-until-acknowledged";
import { ResultSpool } from "../src/runner/result-spool";
import { deliverReport } from "../src/runner/run-job";
import { silentLogger } from "../src/util/logger";
import { FakeMarketplace } from "./helpers/fake-marketplace";
import { tempDir } from "./helpers/temp-dir";

const JOB = "11111111-1111-4111-8111-111111111111";
const fast = { baseMs: 10, maxMs: 40 };
const result = { exitCode: 0, output: "hi\n", outputTruncated: false, durationMs: 12, timedOut: false };

let market: FakeMarketplace;
let client: MarketplaceClient;
beforeEach(async () => {
  market = await new FakeMarketplace().start();
  client = new MarketplaceClient({ baseUrl: market.url, agentToken: "tok" });
});
afterEach(() => market.stop());

describe("reporting a finished job", () => {
  it("retries /complete until the marketplace acknowledges it", async () => {
    let failuresLeft = 3;
    market.handler = (r) => {
      if (!r.path.endsWith("/complete")) return undefined;
      if (failuresLeft-- > 0) return { status: 503, body: { error: { code: "unavailable", message: "try later" } } };
      return { status: 200, body: { ok: true, status: "completed" } };
    };
    const outcome = await reportUntilAcknowledged(() => client.complete(JOB, result), {
      logger: silentLogger,
      jobId: JOB,
      kind: "complete",
      backoff: fast,
    });
    expect(outcome).toBe("acknowledged");
    const calls = market.find("/complete");
    expect(calls).toHaveLength(4);
    expect(calls.every((c) => JSON.stringify(c.body) === JSON.stringify(result))).toBe(true);
    expect(calls[0]!.authorization).toBe("Bearer tok");
  });

  it("keeps retrying while the marketplace is down, then delivers", async () => {
    const port = market.port;
    await market.stop();
    setTimeout(() => void market.start(port), 300);
    const outcome = await reportUntilAcknowledged(() => client.complete(JOB, result), {
      logger: silentLogger,
      jobId: JOB,
      kind: "complete",
      backoff: fast,
    });
    expect(outcome).toBe("acknowledged");
    expect(market.find("/complete")).toHaveLength(1);
  });

  it("stops retrying when the job is no longer running (409)", async () => {
    market.handler = (r) =>
      r.path.endsWith("/complete")
        ? { status: 409, body: { error: { code: "job_not_running", message: "job is timed_out" } } }
        : undefined;
    const outcome = await reportUntilAcknowledged(() => client.complete(JOB, result), {
      logger: silentLogger,
      jobId: JOB,
      kind: "complete",
      backoff: fast,
    });
    expect(outcome).toBe("rejected");
    expect(market.find("/complete")).toHaveLength(1);
  });

  it("retries 401 (an operator can fix the token) and gives up only when told to", async () => {
    market.handler = () => ({ status: 401, body: { error: { code: "unauthorized", message: "bad token" } } });
    const giveUp = AbortSignal.timeout(300);
    const outcome = await reportUntilAcknowledged(() => client.complete(JOB, result), {
      logger: silentLogger,
      jobId: JOB,
      kind: "complete",
      backoff: fast,
      giveUp,
    });
    expect(outcome).toBe("gave_up");
    expect(market.find("/complete").length).toBeGreaterThan(2);
  });

  it("keeps an unacknowledged report on disk (mode 0600) and removes it once delivered", async () => {
    const spool = new ResultSpool(path.join(tempDir("cs-spool-"), "pending"));
    market.handler = () => ({ status: 503, body: { error: { code: "down", message: "down" } } });
    const report = { jobId: JOB, kind: "complete" as const, body: result, createdAt: new Date().toISOString() };
    const giveUp = AbortSignal.timeout(150);
    expect(
      await deliverReport(report, { client, spool, logger: silentLogger, giveUpSignal: giveUp, backoff: fast }),
    ).toBe("gave_up");
    expect(await spool.list()).toEqual([report]);
    const { statSync, readdirSync } = await import("node:fs");
    const file = path.join(spool.dir, readdirSync(spool.dir)[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    market.handler = () => undefined;
    expect(
      await deliverReport(report, {
        client,
        spool,
        logger: silentLogger,
        giveUpSignal: new AbortController().signal,
        backoff: fast,
      }),
    ).toBe("acknowledged");
    expect(await spool.list()).toEqual([]);
  });
});
