import { describe, expect, it } from "vitest";
import { MarketplaceHttpError } from "../src/marketplace/errors";
import { LogStreamer, type LogChunk } from "../src/runner/log-streamer";
import { silentLogger } from "../src/util/logger";

describe("LogStreamer", () => {
  it("batches output over the flush interval and numbers chunks", async () => {
    const sent: LogChunk[] = [];
    const s = new LogStreamer({ send: async (c) => void sent.push(c), logger: silentLogger, flushIntervalMs: 50 });
    s.write("stdout", "a");
    s.write("stdout", "b");
    s.write("stderr", "E");
    s.write("stdout", "c");
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(sent).toEqual([
      { seq: 0, stream: "stdout", data: "ab" },
      { seq: 1, stream: "stderr", data: "E" },
      { seq: 2, stream: "stdout", data: "c" },
    ]);
    s.write("stdout", "d");
    await s.close();
    expect(sent.at(-1)).toEqual({ seq: 3, stream: "stdout", data: "d" });
  });

  it("flushes early at the size threshold and splits big output into bounded chunks", async () => {
    const sent: LogChunk[] = [];
    const s = new LogStreamer({
      send: async (c) => void sent.push(c),
      logger: silentLogger,
      flushIntervalMs: 10_000,
      maxBatchChars: 10,
    });
    s.write("stdout", "x".repeat(25));
    await s.close();
    expect(sent.map((c) => c.data.length)).toEqual([10, 10, 5]);
    expect(sent.map((c) => c.seq)).toEqual([0, 1, 2]);
  });

  it("posts in order, one at a time, and retries a failed chunk", async () => {
    const sent: number[] = [];
    let inFlight = 0;
    let failOnce = true;
    const s = new LogStreamer({
      logger: silentLogger,
      flushIntervalMs: 1,
      retryDelaysMs: [5, 5],
      send: async (c) => {
        expect(++inFlight).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (c.seq === 1 && failOnce) {
          failOnce = false;
          throw new Error("ECONNRESET");
        }
        sent.push(c.seq);
      },
    });
    for (let i = 0; i < 5; i++) {
      s.write(i % 2 ? "stderr" : "stdout", `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 3));
    }
    await s.close();
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toContain(1);
  });

  it("drops chunks the marketplace keeps refusing, without blocking close for long", async () => {
    const s = new LogStreamer({
      logger: silentLogger,
      flushIntervalMs: 1,
      retryDelaysMs: [5],
      send: async () => Promise.reject(new Error("down")),
    });
    s.write("stdout", "a");
    await new Promise((r) => setTimeout(r, 5));
    s.write("stdout", "b");
    const t = Date.now();
    await s.close();
    expect(Date.now() - t).toBeLessThan(500);
  });

  it("waits as long as a busy marketplace's Retry-After asks before retrying a chunk, within a bound", async () => {
    const attempts: number[] = [];
    const s = new LogStreamer({
      logger: silentLogger,
      flushIntervalMs: 1,
      retryDelaysMs: [5],
      maxRetryAfterMs: 400,
      send: async () => {
        attempts.push(Date.now());
        if (attempts.length === 1) throw new MarketplaceHttpError(503, "storage_unavailable", "busy", 150);
      },
    });
    s.write("stdout", "a");
    await s.close();
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(140);

    const capped: number[] = [];
    const c = new LogStreamer({
      logger: silentLogger,
      flushIntervalMs: 1,
      retryDelaysMs: [5],
      maxRetryAfterMs: 50,
      send: async () => {
        capped.push(Date.now());
        if (capped.length === 1) throw new MarketplaceHttpError(503, "storage_unavailable", "busy", 60_000);
      },
    });
    c.write("stdout", "a");
    await c.close();
    expect(capped[1]! - capped[0]!).toBeLessThan(1000);
  });

  it("tells the runner when the job is no longer running (409) and stops sending", async () => {
    let gone = 0;
    let calls = 0;
    const s = new LogStreamer({
      logger: silentLogger,
      flushIntervalMs: 1,
      onJobGone: () => gone++,
      send: async () => {
        calls++;
        throw new MarketplaceHttpError(409, "job_not_running", "cancelled");
      },
    });
    s.write("stdout", "a");
    await new Promise((r) => setTimeout(r, 20));
    s.write("stdout", "b");
    await s.close();
    expect(gone).toBe(1);
    expect(calls).toBe(1);
  });
});
