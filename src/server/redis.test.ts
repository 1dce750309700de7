import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startOwnRedis, type OwnRedis } from "@/test/redis-server";
import { openRedis } from "./redis";

/** The ioredis clients during an outage: one line when it is lost, one when it is back; no "Unhandled error event". */
let redis: OwnRedis;
beforeAll(async () => {
  redis = await startOwnRedis();
});
afterAll(() => redis?.stop());

it("logs a Redis outage once per connection, not once per reconnect attempt", async () => {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const log = {
    warn: (obj: Record<string, unknown>, msg?: string) => lines.push({ level: "warn", obj, msg }),
    info: (obj: Record<string, unknown>, msg?: string) => lines.push({ level: "info", obj, msg }),
  };
  const consoleError = vi.spyOn(console, "error");
  const clients = await openRedis({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: "cs:redis-test:" }, log as never);
  try {
    await clients.subscriber().subscribe(clients.channel("x"));
    await clients.cmd.set("k", "v");
    await redis.kill();
    // Commands fail while it is down; ioredis keeps reconnecting (many attempts in these 3 s).
    for (let i = 0; i < 6; i++) {
      await expect(clients.cmd.get("k")).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 500));
    }
    await redis.start();
    const until = Date.now() + 10_000;
    while (lines.filter((l) => l.level === "info").length < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(await clients.cmd.get("k")).toBeNull(); // back, and empty
    const lost = lines.filter((l) => l.msg?.includes("lost"));
    const back = lines.filter((l) => l.msg?.includes("back"));
    expect(lost.map((l) => l.obj.connection).sort()).toEqual(["commands", "subscriber"]);
    expect(back.map((l) => l.obj.connection).sort()).toEqual(["commands", "subscriber"]);
    expect(consoleError.mock.calls.filter((c) => String(c[0]).includes("Unhandled error event"))).toEqual([]);
  } finally {
    consoleError.mockRestore();
    await clients.close();
  }
}, 30_000);
