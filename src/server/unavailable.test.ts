import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { startTcpProxy, type TcpProxy } from "@/test/tcp-proxy";
import { startOwnRedis, type OwnRedis } from "@/test/redis-server";
import { newSeller, signedRegistration } from "@/test/factories";
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from "./unavailable";

/**
 * Fault drills on the HTTP doors: PostgreSQL behind a proxy the test refuses or
 * blackholes, Redis a server of the test's own that it kills with SIGKILL.
 * Either outage answers 503 with Retry-After within seconds (never a 500, never
 * a hang for the whole outage), and everything answers again once the part is back.
 */
const STATEMENT_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;

async function register(url: string) {
  const res = await fetch(`${url}/api/agent/v2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(await signedRegistration(newSeller(), { pricePerHour: "0" })),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { nodeId: string; agentToken: string };
}

const submitted = { count: 0 };

/** The calls a buyer and an agent make, each timed. */
function probes(url: string, node: { nodeId: string; agentToken: string }) {
  const timed = async (name: string, req: () => Promise<Response>) => {
    const start = Date.now();
    const res = await req();
    const body = await res.text();
    if (name === "x402 submit" && res.status === 201) submitted.count++;
    return { name, status: res.status, retryAfter: res.headers.get("retry-after"), ms: Date.now() - start, body };
  };
  const agent = { "content-type": "application/json", authorization: `Bearer ${node.agentToken}` };
  return () =>
    Promise.all([
      timed("trpc nodes.get", () =>
        fetch(`${url}/api/trpc/nodes.get?input=${encodeURIComponent(JSON.stringify({ json: { id: node.nodeId } }))}`),
      ),
      timed("agent claim", () =>
        fetch(`${url}/api/agent/v2/claim`, {
          method: "POST",
          headers: agent,
          body: JSON.stringify({ waitSeconds: 0 }),
        }),
      ),
      timed("x402 submit", () =>
        fetch(`${url}/api/x402/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ nodeId: node.nodeId, jobType: "python", script: "print(1)", maxDurationSeconds: 60 }),
        }),
      ),
    ]);
}

function expectUnavailable(results: Awaited<ReturnType<ReturnType<typeof probes>>>, withinMs: number) {
  for (const r of results) {
    expect({ name: r.name, status: r.status }).toEqual({ name: r.name, status: 503 });
    expect(r.retryAfter).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    expect(r.ms).toBeLessThan(withinMs);
    expect(r.body).toMatch(/storage_unavailable/);
  }
}

async function health(url: string) {
  return (await fetch(`${url}/api/health`)).status;
}

async function eventuallyOk(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("did not recover");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!process.env.DATABASE_URL)("a PostgreSQL outage", () => {
  let proxy: TcpProxy;
  let deps: TestDeps;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let node: { nodeId: string; agentToken: string };

  beforeAll(async () => {
    const pgUrl = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    deps = await createTestDeps(
      {
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      },
      { databaseVia: proxy },
    );
    server = await startTestServer(deps);
    node = await register(server.url);
    // Online before the probes: otherwise the probe's submission races the probe claim's own beat (412 offline).
    await fetch(`${server.url}/api/agent/v2/heartbeat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${node.agentToken}` },
      body: "{}",
    });
  });
  afterAll(async () => {
    await proxy?.up();
    await server?.close();
    await deps?.cleanup();
    await proxy?.close();
  });

  it("refused: 503 with Retry-After at once, /api/health 503; back to 200 when it returns", async () => {
    const probe = probes(server.url, node);
    expect((await probe()).map((r) => r.status)).toEqual([200, 200, 201]);
    await proxy.refuse();
    expectUnavailable(await probe(), CONNECT_TIMEOUT_MS + 2_000);
    expect(await health(server.url)).toBe(503);
    await proxy.up();
    await eventuallyOk(async () => (await probe()).every((r) => r.status < 300));
    expect(await health(server.url)).toBe(200);
  });

  it("blackholed (packets vanish): 503 within the statement timeout, not a hang for the whole outage", async () => {
    const probe = probes(server.url, node);
    await eventuallyOk(async () => (await probe()).every((r) => r.status < 300));
    await proxy.blackhole();
    // Pooled connections hang until the query timeout; new ones until the connect timeout.
    expectUnavailable(await probe(), STATEMENT_TIMEOUT_MS + 1_000 + 2_500);
    expectUnavailable(await probe(), STATEMENT_TIMEOUT_MS + 1_000 + 2_500);
    expect(await health(server.url)).toBe(503);
    await proxy.up();
    await eventuallyOk(async () => (await probe()).every((r) => r.status < 300));
    expect(await health(server.url)).toBe(200);
    // Every submission answered 201 is a job; none of the ones answered 503 left anything behind.
    expect(await deps.prisma.job.count()).toBe(submitted.count);
  });
});

describe("a Redis outage (its server killed with SIGKILL, back empty)", () => {
  let redis: OwnRedis;
  let deps: TestDeps;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let node: { nodeId: string; agentToken: string };

  beforeAll(async () => {
    redis = await startOwnRedis();
    deps = await createTestDeps({ REDIS_URL: redis.url });
    server = await startTestServer(deps);
    node = await register(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await deps?.cleanup().catch(() => {});
    await redis?.stop();
  });

  it("answers 503 with Retry-After while it is down, and works again once it is back", async () => {
    const probe = probes(server.url, node);
    const hb = () =>
      fetch(`${server.url}/api/agent/v2/heartbeat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${node.agentToken}` },
        body: "{}",
      });
    expect((await hb()).status).toBe(200);
    const jobsBefore = await deps.prisma.job.count();
    await redis.kill();
    // Liveness lives in Redis: a node's status cannot be told, so not "offline" (412) but 503.
    expectUnavailable(await probe(), 5_000);
    expect((await hb()).status).toBe(503);
    expect(await health(server.url)).toBe(503);
    expect(await deps.prisma.job.count()).toBe(jobsBefore); // nothing half-written
    await redis.start();
    await eventuallyOk(async () => (await hb()).status === 200);
    await eventuallyOk(async () => (await probe()).every((r) => r.status < 300));
    expect(await health(server.url)).toBe(200);
  });
});
