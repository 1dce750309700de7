import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Job } from "@/generated/prisma/client";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { newSeller, signedPause, signedRegistration } from "@/test/factories";
import type { Deps } from "../../deps";
import { announceJob } from "../jobs/transition";
import { recordHeartbeat } from "./heartbeat";
import { setNodePaused } from "./manage-node";
import { forgetNodeStatus, STATUS_CACHE_MS, storedNodeStatus } from "./node-status";
import { SEEN_KEY } from "./presence";
import { registerNode } from "./register-node";

/** The stored status heartbeats answer: cached per instance, cleared on every instance by a change. */
let deps: TestDeps;
/** A second app instance: same PostgreSQL and Redis, its own in-process caches. */
let other: Deps;
const seller = newSeller();
let nodeId: string;

beforeAll(async () => {
  deps = await createTestDeps({ HEARTBEAT_TTL_SECONDS: "60" });
  other = { ...deps, local: {} };
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.node.deleteMany();
  await deps.resetRedis();
  ({ nodeId } = await registerNode(deps, await signedRegistration(seller)));
  // Both instances listen for invalidations and hold the node's status.
  for (const d of [deps, other]) {
    await storedNodeStatus(d, nodeId);
    await vi.waitFor(() => expect(d.local.nodeStatuses?.listening).toBe(true));
    expect(await storedNodeStatus(d, nodeId)).toBe("available");
  }
});

const setStoredStatus = (status: string) => deps.prisma.node.update({ where: { id: nodeId }, data: { status } });
const beat = (d: Deps) => recordHeartbeat(d, { nodeId, sellerAddress: seller.address }, {});

describe("node status cache", () => {
  it("answers beats from memory until a change is announced, then every instance reads it afresh", async () => {
    await setStoredStatus("paused"); // behind the cache's back: nothing announced
    expect((await beat(deps)).status).toBe("available");
    expect((await beat(other)).status).toBe("available");
    await forgetNodeStatus(deps, nodeId);
    expect((await beat(deps)).status).toBe("paused"); // at once where it was announced
    await vi.waitFor(async () => expect((await beat(other)).status).toBe("paused"));
  });

  it("a seller's pause reaches the heartbeats of another instance", async () => {
    await setNodePaused(deps, await signedPause(seller, nodeId, true));
    await vi.waitFor(async () => expect((await beat(other)).status).toBe("paused"));
    await setNodePaused(other, await signedPause(seller, nodeId, false));
    await vi.waitFor(async () => expect((await beat(deps)).status).toBe("available"));
  });

  it("a job starting or ending on the node clears it on every instance (transition.ts)", async () => {
    await setStoredStatus("busy");
    const job = { id: "00000000-0000-4000-8000-000000000001", nodeId, status: "running", failureReason: null };
    await announceJob(deps, job as Job);
    await vi.waitFor(async () => expect((await beat(other)).status).toBe("busy"));
  });

  it("a lost invalidation is outlived by the TTL", async () => {
    await setStoredStatus("suspended");
    expect(await storedNodeStatus(other, nodeId)).toBe("available");
    deps.clock.advance(STATUS_CACHE_MS);
    expect(await storedNodeStatus(other, nodeId)).toBe("suspended");
  });
});

describe("heartbeat presence", () => {
  it("keeps one record of liveness (the live set), and a node coming back online refreshes discovery", async () => {
    const version = async () => Number((await deps.redis.cmd.get("nodes:list:version")) ?? 0);
    const before = await version();
    const { serverTime } = await beat(deps);
    expect(Number(await deps.redis.cmd.zscore(SEEN_KEY, nodeId))).toBe(serverTime);
    expect(await deps.redis.cmd.exists(`heartbeat:${nodeId}`)).toBe(0);
    expect(await version()).toBe(before + 1); // came online
    await beat(deps);
    expect(await version()).toBe(before + 1); // still online: nothing to refresh
    deps.clock.advance(61_000);
    await beat(deps);
    expect(await version()).toBe(before + 2); // back after more than the TTL
  });
});
