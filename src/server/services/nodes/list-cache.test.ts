import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import type { Deps } from "../../deps";
import { cachedNodeList, invalidateNodeLists, MAX_CACHED_LISTS } from "./list-cache";

/** Discovery's page cache: in process, keyed by the list version every instance bumps in Redis. */
let deps: TestDeps;
/** A second app instance: same Redis, its own cache. */
let other: Deps;

beforeAll(async () => {
  deps = await createTestDeps({ NODE_LIST_CACHE_SECONDS: "5" });
  other = { ...deps, local: {} };
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.resetRedis();
  deps.local.nodeLists = undefined;
  other.local.nodeLists = undefined;
});

function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    compute: async () => ({ page: ++calls }),
  };
}

describe("node list cache", () => {
  it("answers the same input from memory until it expires; another input is its own entry", async () => {
    const c = counter();
    expect(await cachedNodeList(deps, { sort: "price_asc" }, c.compute)).toEqual({ page: 1 });
    expect(await cachedNodeList(deps, { sort: "price_asc" }, c.compute)).toEqual({ page: 1 });
    expect(await cachedNodeList(deps, { sort: "newest" }, c.compute)).toEqual({ page: 2 });
    deps.clock.advance(5_000);
    expect(await cachedNodeList(deps, { sort: "price_asc" }, c.compute)).toEqual({ page: 3 });
  });

  it("a change made on another instance is seen at once (the version in Redis)", async () => {
    const c = counter();
    await cachedNodeList(deps, {}, c.compute);
    await invalidateNodeLists(other);
    expect(await cachedNodeList(deps, {}, c.compute)).toEqual({ page: 2 });
  });

  it("concurrent callers share one computation; a failure is not kept", async () => {
    let calls = 0;
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 20));
    expect(await Promise.all([1, 2, 3].map(() => cachedNodeList(deps, {}, slow)))).toEqual([1, 1, 1]);

    await invalidateNodeLists(deps);
    const failing = async () => {
      throw new Error("database down");
    };
    await expect(cachedNodeList(deps, {}, failing)).rejects.toThrow("database down");
    expect(await cachedNodeList(deps, {}, slow)).toBe(2);
  });

  it("holds at most MAX_CACHED_LISTS pages, dropping the oldest", async () => {
    const c = counter();
    for (let i = 0; i < MAX_CACHED_LISTS + 10; i++) await cachedNodeList(deps, { i }, c.compute);
    expect(deps.local.nodeLists!.size).toBeLessThanOrEqual(MAX_CACHED_LISTS);
    const before = c.calls;
    await cachedNodeList(deps, { i: MAX_CACHED_LISTS + 9 }, c.compute);
    expect(c.calls).toBe(before);
    await cachedNodeList(deps, { i: 0 }, c.compute);
    expect(c.calls).toBe(before + 1);
  });

  it("drops expired pages before live ones when full", async () => {
    const c = counter();
    for (let i = 0; i < MAX_CACHED_LISTS - 5; i++) await cachedNodeList(deps, { old: i }, c.compute);
    deps.clock.advance(5_000);
    for (let i = 0; i < 10; i++) await cachedNodeList(deps, { fresh: i }, c.compute);
    // The expired pages all went at the first insert past the cap; the live ones stay.
    expect(deps.local.nodeLists!.size).toBe(10);
    const before = c.calls;
    for (let i = 0; i < 10; i++) await cachedNodeList(deps, { fresh: i }, c.compute);
    expect(c.calls).toBe(before);
  });
});
