import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { getChain, stopEmbeddedChain, type ChainService } from "../../payments/chain-service";
import { newSeller, signedRegistration } from "@/test/factories";
import { registerNode } from "../nodes/register-node";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  // As at boot: the status page reports a chain still starting (anvil, contracts) as down after 3 s.
  await getChain(deps);
});
afterAll(async () => {
  await deps?.cleanup();
  await stopEmbeddedChain();
});

describe("status.get (the status page)", () => {
  it("reports the database, Redis, the chain, agents online and the settlement queue", async () => {
    await registerNode(deps, await signedRegistration(newSeller()));
    const { caller } = await callerFor(deps);
    const s = await caller.status.get();
    expect(s).toMatchObject({
      status: "ok",
      database: { status: "ok", migrations: "current" },
      redis: { status: "ok" },
      chain: { status: "ok", network: expect.stringMatching(/Local chain/), embedded: true },
      agents: { status: "ok", online: 0, registered: 1 },
      settlement: { status: "ok", waiting: 0, settling: 0, failed: 0, oldestWaitingSince: null },
    });
    expect(BigInt(s.chain.block!)).toBeGreaterThan(0n);
  });

  it("says the chain is down, and still answers the rest, when its RPC does not", async () => {
    const dead = {
      network: { label: "Dead chain" },
      publicClient: { getBlockNumber: () => Promise.reject(new Error("ECONNREFUSED")) },
    };
    deps.local.chain = Promise.resolve(dead as unknown as ChainService);
    try {
      const s = await (await callerFor(deps)).caller.status.get();
      expect(s.status).toBe("degraded");
      expect(s.chain.status).toBe("down");
      expect(s.database.status).toBe("ok");
      expect(s.agents.registered).toBe(1);
    } finally {
      deps.local.chain = undefined;
    }
  });
});
