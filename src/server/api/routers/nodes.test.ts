import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { agentHttp, registerOverHttp } from "@/test/agent-http";
import { gpu, newSeller, signedPause, signedRegistration, signedUpdate, siweSignIn } from "@/test/factories";
import { flushHeartbeats } from "../../services/nodes/heartbeat";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";

const adminAccount = privateKeyToAccount(generatePrivateKey());
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ ADMIN_ADDRESSES: adminAccount.address });
});
afterAll(() => deps?.cleanup());

async function register(overrides: Parameters<typeof signedRegistration>[1] = {}, seller = newSeller()) {
  const out = await registerOverHttp(deps, await signedRegistration(seller, overrides));
  return { ...out, seller };
}

async function beat(agentToken: string, gpuUtilization?: number) {
  return agentHttp(deps, agentToken).agent.heartbeat({ gpuUtilization });
}

async function list(input: Parameters<Awaited<ReturnType<typeof callerFor>>["caller"]["nodes"]["list"]>[0] = {}) {
  const { caller } = await callerFor(deps);
  return caller.nodes.list(input);
}

describe("node registry", () => {
  beforeEach(async () => {
    await deps.prisma.node.deleteMany();
    await deps.resetRedis();
    await flushHeartbeats(deps);
  });

  it("register → heartbeat → discover → silent for 60 s → offline", async () => {
    const { nodeId, agentToken } = await register({ pricePerHour: "1.75" });
    expect(agentToken).toMatch(/^csa_/);
    const row = await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } });
    expect(row.agentTokenHash).not.toContain(agentToken);
    expect(row.gpuInfo).toMatchObject({ model: "NVIDIA H200", vramMiB: 143771 });

    // Registered but never seen: offline, not in the default (online) listing.
    expect((await list()).items).toHaveLength(0);

    const hb = await beat(agentToken, 42);
    expect(hb).toMatchObject({ ok: true, status: "available" });
    const online = await list();
    expect(online.items.map((n) => n.id)).toEqual([nodeId]);
    expect(online.items[0]).toMatchObject({
      status: "available",
      pricePerHour: "1.75",
      gpuUtilization: 42,
      tflops: "805",
    });

    deps.clock.advance(61_000);
    await deps.redis.cmd.incr("nodes:list:version"); // the cache lives a few seconds; skip it
    expect((await list()).items).toHaveLength(0);
    const offline = await list({ status: "offline" });
    expect(offline.items[0]).toMatchObject({ id: nodeId, status: "offline", gpuUtilization: null });
    const { caller } = await callerFor(deps);
    expect((await caller.nodes.get({ id: nodeId })).status).toBe("offline");
  });

  it("writes last_heartbeat in batches, not on every beat", async () => {
    const { nodeId, agentToken } = await register();
    await beat(agentToken);
    await beat(agentToken);
    expect((await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } })).lastHeartbeat).toBeNull();
    expect(await flushHeartbeats(deps)).toBe(1);
    expect((await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } })).lastHeartbeat).not.toBeNull();
  });

  it("rejects a replayed registration (same nonce) and writes nothing", async () => {
    const seller = newSeller();
    const reg = await signedRegistration(seller);
    await registerOverHttp(deps, reg);
    await expect(registerOverHttp(deps, reg)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await deps.prisma.node.count()).toBe(1);
  });

  it("rejects a bad agent token", async () => {
    await expect(beat("csa_notarealtokennotarealtoken")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(agentHttp(deps).agent.heartbeat({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("filters by model (case-insensitive substring), VRAM, GPU count, price and seller", async () => {
    const a = await register({
      gpuInfo: gpu({ model: "NVIDIA H200", vramMiB: 143771, gpuCount: 8 }),
      pricePerHour: "20",
    });
    const b = await register({
      gpuInfo: gpu({ model: "NVIDIA GeForce RTX 4090", vramMiB: 24564, gpuCount: 1 }),
      pricePerHour: "0.40",
    });
    const c = await register({
      gpuInfo: gpu({ model: "NVIDIA A100-SXM4-80GB", vramMiB: 81920, gpuCount: 2 }),
      pricePerHour: "1.10",
    });
    for (const n of [a, b, c]) await beat(n.agentToken);
    const ids = async (input: Parameters<typeof list>[0]) => (await list(input)).items.map((n) => n.id);

    expect(await ids({ gpuModel: "rtx" })).toEqual([b.nodeId]);
    expect(await ids({ gpuModel: "h200" })).toEqual([a.nodeId]);
    // The model filter is a plain substring: LIKE's wildcards in it match themselves only.
    expect(await ids({ gpuModel: "%" })).toEqual([]);
    expect(await ids({ gpuModel: "A100_SXM4" })).toEqual([]);
    expect(await ids({ gpuModel: "a100-sxm4" })).toEqual([c.nodeId]);
    expect(await ids({ minVramMiB: 80_000 })).toEqual([c.nodeId, a.nodeId]);
    expect(await ids({ minGpuCount: 2 })).toEqual([c.nodeId, a.nodeId]);
    expect(await ids({ maxPricePerHour: "1.10" })).toEqual([b.nodeId, c.nodeId]);
    expect(await ids({ seller: c.seller.address.toLowerCase() })).toEqual([c.nodeId]);
    expect(await ids({ sort: "price_desc" })).toEqual([a.nodeId, c.nodeId, b.nodeId]);
    expect(await ids({ sort: "vram_desc" })).toEqual([a.nodeId, c.nodeId, b.nodeId]);
    expect(await ids({ sort: "newest" })).toEqual([c.nodeId, b.nodeId, a.nodeId]);
  });

  it("paginates with a cursor through every node exactly once", async () => {
    const prices = ["1", "1", "1", "2", "3", "3", "4", "5", "5", "6", "7"];
    const made = [];
    for (const p of prices) made.push(await register({ pricePerHour: p }));
    for (const n of made) await beat(n.agentToken);
    for (const sort of ["price_asc", "price_desc", "newest", "vram_desc", "tflops_desc"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await list({ sort, limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((n) => n.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(made.length);
      expect(new Set(seen).size).toBe(made.length);
    }
    await expect(list({ cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("serves discovery from the cache and invalidates it on change", async () => {
    const { nodeId, agentToken, seller } = await register({ pricePerHour: "2" });
    await beat(agentToken);
    expect((await list()).items[0]?.pricePerHour).toBe("2");
    // A direct database write (bypassing services) is not seen while cached…
    await deps.prisma.node.update({ where: { id: nodeId }, data: { gpuModel: "changed behind the cache" } });
    expect((await list()).items[0]?.gpuModel).toBe("NVIDIA H200");
    // …but a change through the service is visible at once.
    const { caller } = await callerFor(deps);
    await caller.nodes.update(await signedUpdate(seller, nodeId, { pricePerHour: "3.5" }));
    expect((await list()).items[0]).toMatchObject({ pricePerHour: "3.5", gpuModel: "changed behind the cache" });
  });

  it("lets only the owning seller update, pause and resume", async () => {
    const { nodeId, agentToken, seller } = await register();
    await beat(agentToken);
    const { caller } = await callerFor(deps);
    await expect(caller.nodes.update(await signedUpdate(newSeller(), nodeId))).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await caller.nodes.pause(await signedPause(seller, nodeId, true));
    expect((await caller.nodes.get({ id: nodeId })).status).toBe("paused");
    expect((await list()).items).toHaveLength(0);
    expect((await beat(agentToken)).status).toBe("paused");
    await expect(caller.nodes.pause(await signedPause(seller, nodeId, false))).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await caller.nodes.resume(await signedPause(seller, nodeId, false));
    expect((await caller.nodes.get({ id: nodeId })).status).toBe("available");
  });

  it("admins suspend and unsuspend (signed in with Ethereum); others are refused", async () => {
    const { nodeId, agentToken } = await register();
    await beat(agentToken);
    const anon = (await callerFor(deps)).caller;
    await expect(anon.admin.suspendNode({ nodeId })).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    async function sessionFor(account: typeof adminAccount) {
      const { caller, resHeaders } = await callerFor(deps);
      const { nonce } = await caller.auth.nonce();
      await caller.auth.signIn(await siweSignIn(account, nonce));
      const cookie = resHeaders.get("set-cookie")!.split(";")[0]!;
      return (await callerFor(deps, { headers: { cookie } })).caller;
    }
    const stranger = await sessionFor(privateKeyToAccount(generatePrivateKey()));
    await expect(stranger.admin.suspendNode({ nodeId })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const admin = await sessionFor(adminAccount);
    expect(await admin.auth.me()).toMatchObject({ address: adminAccount.address, isAdmin: true });
    await admin.admin.suspendNode({ nodeId, reason: "abuse report" });
    expect((await list()).items).toHaveLength(0);
    expect((await anon.nodes.get({ id: nodeId })).status).toBe("suspended");
    expect((await beat(agentToken)).status).toBe("suspended");
    const audit = await deps.prisma.adminAuditLog.findMany();
    expect(audit).toMatchObject([{ action: "suspend_node", targetId: nodeId, adminAddress: adminAccount.address }]);
    await admin.admin.unsuspendNode({ nodeId });
    expect((await list()).items.map((n) => n.id)).toEqual([nodeId]);
  });

  it("answers bad input with BAD_REQUEST and a clear message, writing nothing", async () => {
    const { caller } = await callerFor(deps);
    const noncesBefore = await deps.prisma.signedNonce.count();
    const good = await signedRegistration(newSeller());
    const bad: unknown[] = [
      { ...good, message: { ...good.message, pricePerHour: "-1" } },
      { ...good, message: { ...good.message, pricePerHour: 5 } },
      { ...good, message: { ...good.message, seller: "0x1234" } },
      { ...good, message: { ...good.message, endpoint: `https://${"a".repeat(300)}.example` } },
      { ...good, message: { ...good.message, gpuInfo: { ...good.message.gpuInfo, model: "x".repeat(1000) } } },
      { ...good, message: { ...good.message, gpuInfo: { ...good.message.gpuInfo, vramMiB: -5 } } },
      { ...good, signature: "0xnothex" },
      { message: "not an object" },
      null,
    ];
    for (const input of bad) {
      const err = await registerOverHttp(deps, input as never).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BAD_REQUEST" });
      expect((err as Error).message.length).toBeGreaterThan(5);
    }
    await expect(caller.nodes.list({ minVramMiB: -1 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.nodes.list({ limit: 1000 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.nodes.get({ id: "not-a-uuid" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await deps.prisma.node.count()).toBe(0);
    expect(await deps.prisma.signedNonce.count()).toBe(noncesBefore);
  });
});
