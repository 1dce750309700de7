import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { liveNodes, SEEN_KEY, SEEN_RETENTION_MS } from "./presence";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps({ HEARTBEAT_TTL_SECONDS: "60" });
});
afterAll(() => deps?.cleanup());

describe("presence", () => {
  it("finds the nodes seen within the TTL and prunes those silent past the retention", async () => {
    const now = deps.clock.now().getTime();
    await deps.redis.cmd.zadd(
      SEEN_KEY,
      now - 1_000,
      "live",
      now - 120_000,
      "offline",
      now - SEEN_RETENTION_MS - 1,
      "gone",
    );
    const live = await liveNodes(deps);
    expect([...live.keys()]).toEqual(["live"]);
    expect(await deps.redis.cmd.zscore(SEEN_KEY, "offline")).toBe(String(now - 120_000));
    expect(await deps.redis.cmd.zscore(SEEN_KEY, "gone")).toBeNull();
  });
});
