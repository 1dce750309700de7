import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { callerFor } from "@/test/caller";
import { gpu, newSeller, signedRegistration } from "@/test/factories";
import { registerNode } from "../services/nodes/register-node";
import { recordHeartbeat } from "../services/nodes/heartbeat";

/** GET /api/x402/nodes: discovery in plain JSON for buyers with no account, over a real socket. */
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  deps = await createTestDeps({ RATE_LIMIT_ENABLED: "false" });
  server = await startTestServer(deps);
  const offers = [
    ["h200", gpu(), "2.50"],
    ["h100", gpu({ model: "NVIDIA H100 80GB HBM3", vramMiB: 81559 }), "1.80"],
    ["4090", gpu({ model: "NVIDIA GeForce RTX 4090", vramMiB: 24564 }), "0.40"],
  ] as const;
  for (const [key, gpuInfo, pricePerHour] of offers) {
    const seller = newSeller();
    const { nodeId } = await registerNode(deps, await signedRegistration(seller, { gpuInfo, pricePerHour }));
    await recordHeartbeat(deps, { nodeId, sellerAddress: seller.address }, { gpuUtilization: 5 });
    ids[key] = nodeId;
  }
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
});

const get = async (query: string) => {
  const res = await fetch(`${server.url}/api/x402/nodes${query}`);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
};

describe("GET /api/x402/nodes", () => {
  it("lists online nodes cheapest first, in the same shape nodes.list answers", async () => {
    const { status, body } = await get("");
    expect(status).toBe(200);
    expect(body.items.map((n: { id: string }) => n.id)).toEqual([ids["4090"], ids.h100, ids.h200]);
    const { caller } = await callerFor(deps);
    expect(body).toEqual(await caller.nodes.list({}));
    expect(body.items[0]).toMatchObject({ pricePerHour: "0.4", status: "available", gpuUtilization: 5 });
  });

  it("filters and sorts by the query, and pages with the cursor it returns", async () => {
    expect((await get("?gpuModel=h100")).body.items.map((n: { id: string }) => n.id)).toEqual([ids.h100]);
    const big = await get("?minVramMiB=80000&sort=vram_desc");
    expect(big.body.items.map((n: { id: string }) => n.id)).toEqual([ids.h200, ids.h100]);
    expect((await get("?maxPricePerHour=1.80")).body.items).toHaveLength(2);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((n: { id: string }) => n.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids["4090"], ids.h100, ids.h200]);
  });

  it("refuses hostile or mistaken queries with a 400 that says why, never a 5xx", async () => {
    const cases: [string, RegExp][] = [
      ["?gpuModle=h100", /Unknown parameter "gpuModle"/],
      ["?limit=5&limit=6", /more than once/],
      ["?limit=0", /limit/],
      ["?limit=abc", /limit/],
      ["?limit=99999999999", /limit/],
      ["?minVramMiB=-1", /minVramMiB/],
      ["?maxPricePerHour=1e9", /maxPricePerHour/],
      ["?sort=drop%20table", /sort/],
      ["?status=gone", /status/],
      ["?seller=0xzz", /seller/],
      ["?image=ubuntu", /image/],
      ["?gpuModel=%00", /gpuModel/],
      ["?cursor=garbage", /cursor/],
      [`?gpuModel=${"x".repeat(500)}`, /gpuModel/],
    ];
    for (const [query, message] of cases) {
      const { status, type, body } = await get(query);
      expect(status, query).toBe(400);
      expect(type).toContain("application/json");
      expect(body.error.message, query).toMatch(message);
    }
  });
});
