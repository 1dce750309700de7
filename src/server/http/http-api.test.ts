import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { newSeller, signedRegistration } from "@/test/factories";

/** The HTTP doors (agent protocol v1, tRPC over HTTP, health, metrics) over a real socket. */
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  deps = await createTestDeps({
    RATE_LIMIT_ENABLED: "true",
    RATE_LIMIT_DISCOVERY_PER_MIN: "5",
    RATE_LIMIT_REGISTER_PER_MIN: "1000",
  });
  server = await startTestServer(deps);
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("HTTP API", () => {
  it("agent protocol: info, register, heartbeat; then the node is discoverable over tRPC HTTP", async () => {
    const info = await (await fetch(`${server.url}/api/agent/v2/info`)).json();
    expect(info).toEqual({ protocolVersion: 2, chainId: 31337, marketplaceUrl: "http://localhost:3000" });

    const reg = await post("/api/agent/v2/register", await signedRegistration(newSeller(), { pricePerHour: "0.90" }));
    expect(reg.status).toBe(201);
    const { nodeId, agentToken } = await reg.json();

    const hb = await post("/api/agent/v2/heartbeat", { gpuUtilization: 12 }, { authorization: `Bearer ${agentToken}` });
    expect(hb.status).toBe(200);
    expect(await hb.json()).toMatchObject({ ok: true, status: "available" });

    const list = await fetch(`${server.url}/api/trpc/nodes.list`);
    expect(list.status).toBe(200);
    const body = await list.json();
    expect(body.result.data.json.items).toMatchObject([{ id: nodeId, pricePerHour: "0.9", gpuUtilization: 12 }]);
  });

  it("answers bad input with 4xx and a clear message, and writes nothing", async () => {
    const before = await deps.prisma.node.count();
    const good = await signedRegistration(newSeller());
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /not valid JSON/],
      [{ ...good, message: { ...good.message, pricePerHour: "-3" } }, 400, /pricePerHour/],
      [{ ...good, message: { ...good.message, seller: "0xdeadbeef" } }, 400, /seller/],
      [
        { ...good, message: { ...good.message, gpuInfo: { ...good.message.gpuInfo, gpuCount: "eight" } } },
        400,
        /gpuCount/,
      ],
      [{ ...good, message: { ...good.message, endpoint: "x".repeat(10_000) } }, 400, /endpoint/],
      ["a".repeat(10 * 1024 * 1024), 413, /larger than/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post("/api/agent/v2/register", body);
      expect(res.status).toBe(status);
      const err = (await res.json()).error;
      expect(err.message).toMatch(message);
    }
    const trpcBig = await post("/api/trpc/nodes.update", "a".repeat(10 * 1024 * 1024));
    expect(trpcBig.status).toBe(413);
    const trpcBad = await post("/api/trpc/nodes.update", { json: { message: {}, signature: "0x" } });
    expect(trpcBad.status).toBe(400);
    expect((await trpcBad.json()).error.json.data.issues.length).toBeGreaterThan(0);
    const noToken = await post("/api/agent/v2/heartbeat", {});
    expect(noToken.status).toBe(401);
    expect((await fetch(`${server.url}/api/agent/v2/nope`)).status).toBe(404);
    expect(await deps.prisma.node.count()).toBe(before);
  });

  it("rate-limits discovery per IP with 429 and Retry-After", async () => {
    await deps.resetRedis();
    const codes: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${server.url}/api/trpc/nodes.list`, { headers: { "x-forwarded-for": `10.0.0.${i}` } });
      codes.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
    }
    // A forged X-Forwarded-For does not buy a fresh allowance: the socket address counts.
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it("health reports db, redis and migrations; metrics are Prometheus text", async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", db: "ok", redis: "ok", migrations: "current" });
    const metrics = await (await fetch(`${server.url}/api/metrics`)).text();
    expect(metrics).toMatch(/cs_requests_total\{procedure="agent.v1.register",code="OK"\} \d+/);
    expect(metrics).toMatch(/cs_heartbeats_total \d+/);
    // The rate-limit test cleared Redis, heartbeats included: the one node reads as offline.
    expect(metrics).toMatch(/cs_nodes\{status="offline"\} 1/);
    expect(metrics).toMatch(/cs_nodes\{status="available"\} 0/);
    expect(metrics).toMatch(/cs_request_duration_seconds_bucket/);
  });

  it("answers every /api path itself: an unknown one, or an unknown method, is a JSON 404 (the pages never see /api)", async () => {
    for (const [method, path] of [
      ["GET", "/api/no-such-route"],
      ["DELETE", "/api/health"],
      ["PUT", "/api/trpc/nodes.list"],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect((await res.json()).error).toMatchObject({ code: "NOT_FOUND" });
    }
    const head = await fetch(`${server.url}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });
});
