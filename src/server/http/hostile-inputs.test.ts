import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount, generatePrivateKey, type PrivateKeyAccount } from "viem/accounts";
import { signSellerMessage } from "@computeswarm/protocol";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { callerFor } from "@/test/caller";
import { agentHttp, registerOverHttp } from "@/test/agent-http";
import {
  TEST_DEPLOYMENT,
  h200,
  inMinutes,
  newSeller,
  nonce,
  signedRegistration,
  signedUpdate,
  siweSignIn,
} from "@/test/factories";
import { appRouter } from "../api/root";

/**
 * Hostile values through every door, over real HTTP, on whichever database
 * the run uses (real PostgreSQL or the embedded PGlite): NUL bytes, integers
 * beyond their columns, crafted cursors, out-of-range dates, huge batches.
 * Each gets a 4xx with a message, none a 5xx, and no table changes.
 */
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
const admin = privateKeyToAccount(generatePrivateKey());
const buyer = privateKeyToAccount(generatePrivateKey());
const NUL = "a\u0000b";
const ORIGIN = "http://localhost:3000";

let buyerCookie = "";
let adminCookie = "";
let agentToken = "";
let nodeId = "";
let runningJobId = "";
let seller: PrivateKeyAccount;

async function cookieFor(account: PrivateKeyAccount) {
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce: n } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(account, n));
  return resHeaders.get("set-cookie")!.split(";")[0]!;
}

type Res = { status: number; body: string };

async function trpc(path: string, input: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path];
  const type = procedure?._def.type ?? "query";
  const url = `${server.url}/api/trpc/${path}`;
  const res =
    type === "query" || type === "subscription"
      ? await fetch(`${url}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers })
      : await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", origin: ORIGIN, ...headers },
          body: JSON.stringify({ json: input }),
        });
  return { status: res.status, body: await res.text() };
}

async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

async function rowCounts() {
  const tables = ["nodes", "jobs", "job_logs", "payments", "signed_nonces", "admin_audit_log"];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await deps.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*)::bigint AS n FROM ${t}`);
    out[t] = Number(row!.n);
  }
  return out;
}

const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const ID = "0b9c3c2e-8f0e-4a53-9a55-2d4f1e0c6a11";

async function signedPairing(endpoint: string) {
  const message = { seller: seller.address, pricePerHour: "1.00", endpoint, nonce: nonce(), expiry: inMinutes(10) };
  return signSellerMessage(seller, TEST_DEPLOYMENT, "PairNode", message);
}

beforeAll(async () => {
  deps = await createTestDeps({ ADMIN_ADDRESSES: admin.address });
  server = await startTestServer(deps);
  buyerCookie = await cookieFor(buyer);
  adminCookie = await cookieFor(admin);
  seller = newSeller();
  const reg = await registerOverHttp(deps, await signedRegistration(seller, { pricePerHour: "0" }));
  nodeId = reg.nodeId;
  agentToken = reg.agentToken;
  const agent = agentHttp(deps, agentToken);
  await agent.agent.heartbeat({});
  const buyerCaller = (await callerFor(deps, { headers: { cookie: buyerCookie } })).caller;
  await buyerCaller.jobs.submit({ nodeId, jobType: "python", script: "print(1)", maxDurationSeconds: 60 });
  const { job } = await agent.agent.claim({ waitSeconds: 0 });
  runningJobId = job!.id;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
});

describe("hostile inputs", () => {
  it("answer 4xx with a clear message for each of the reported requests, and write nothing", async () => {
    const buyerH = { cookie: buyerCookie };
    const adminH = { cookie: adminCookie };
    const agentH = { authorization: `Bearer ${agentToken}` };
    const good = await signedRegistration(seller);
    const pairCode = (await (await callerFor(deps)).caller.seller.createPairingCode(await signedPairing(""))).code;
    const before = await rowCounts();

    const cases: [string, () => Promise<Res>, RegExp][] = [
      ["nodes.list gpuModel NUL", () => trpc("nodes.list", { gpuModel: NUL }), /gpuModel: must not contain NUL/],
      [
        "x402 script NUL",
        () => http("POST", "/api/x402/jobs", { nodeId, jobType: "python", script: NUL, maxDurationSeconds: 60 }),
        /script: must not contain NUL/,
      ],
      [
        "jobs.submit script NUL",
        () => trpc("jobs.submit", { nodeId, jobType: "python", script: NUL, maxDurationSeconds: 60 }, buyerH),
        /script: must not contain NUL/,
      ],
      [
        "register gpuInfo.model NUL",
        async () =>
          http(
            "POST",
            "/api/agent/v2/register",
            await signedRegistration(seller, { gpuInfo: { ...h200, model: NUL } }),
          ),
        /gpuInfo.model: must not contain NUL/,
      ],
      [
        "register endpoint NUL",
        async () =>
          http("POST", "/api/agent/v2/register", await signedRegistration(seller, { endpoint: `https://x/${NUL}` })),
        /endpoint: must not contain NUL/,
      ],
      [
        "register device name NUL",
        async () =>
          http("POST", "/api/agent/v2/register", {
            ...good,
            message: { ...good.message, gpuInfo: { ...h200, devices: [{ index: 0, name: NUL, memoryTotalMiB: 1 }] } },
          }),
        /must not contain NUL/,
      ],
      [
        "pair gpuInfo.model NUL",
        () => http("POST", "/api/agent/v2/pair", { code: pairCode, gpuInfo: { ...h200, model: NUL } }),
        /gpuInfo.model: must not contain NUL/,
      ],
      [
        "pair endpoint NUL",
        () => http("POST", "/api/agent/v2/pair", { code: pairCode, gpuInfo: h200, endpoint: `https://x/${NUL}` }),
        /endpoint: must not contain NUL/,
      ],
      [
        "createPairingCode endpoint NUL",
        async () => trpc("seller.createPairingCode", await signedPairing(`https://x/${NUL}`)),
        /endpoint: must not contain NUL/,
      ],
      [
        "nodes.update endpoint NUL",
        async () => trpc("nodes.update", await signedUpdate(seller, nodeId, { endpoint: `https://x/${NUL}` })),
        /endpoint: must not contain NUL/,
      ],
      [
        "agent logs data NUL",
        () => http("POST", `/api/agent/v2/jobs/${runningJobId}/logs`, { seq: 0, stream: "stdout", data: NUL }, agentH),
        /data: must not contain NUL/,
      ],
      [
        "agent logs seq 2^31",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/logs`,
            { seq: 2 ** 31, stream: "stdout", data: "x" },
            agentH,
          ),
        /seq/,
      ],
      [
        "agent logs seq 2^53",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/logs`,
            { seq: 2 ** 53, stream: "stdout", data: "x" },
            agentH,
          ),
        /seq/,
      ],
      [
        "agent complete output NUL",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/complete`,
            { exitCode: 0, output: NUL, durationMs: 1 },
            agentH,
          ),
        /output: must not contain NUL/,
      ],
      [
        "agent complete exitCode 2^31",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/complete`,
            { exitCode: 2 ** 31, output: "", durationMs: 1 },
            agentH,
          ),
        /exitCode/,
      ],
      [
        "agent complete exitCode -2^31-1",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/complete`,
            { exitCode: -(2 ** 31) - 1, output: "", durationMs: 1 },
            agentH,
          ),
        /exitCode/,
      ],
      [
        "agent complete durationMs 2^31",
        () =>
          http(
            "POST",
            `/api/agent/v2/jobs/${runningJobId}/complete`,
            { exitCode: 0, output: "", durationMs: 2 ** 31 },
            agentH,
          ),
        /durationMs/,
      ],
      [
        "agent fail message NUL",
        () => http("POST", `/api/agent/v2/jobs/${runningJobId}/fail`, { message: NUL }, agentH),
        /message: must not contain NUL/,
      ],
      [
        "heartbeat agentVersion NUL",
        () => http("POST", "/api/agent/v2/heartbeat", { agentVersion: NUL }, agentH),
        /agentVersion: must not contain NUL/,
      ],
      ["admin.nodes search NUL", () => trpc("admin.nodes", { search: NUL }, adminH), /search: must not contain NUL/],
      [
        "admin.suspendNode reason NUL",
        () => trpc("admin.suspendNode", { nodeId, reason: NUL }, adminH),
        /reason: must not contain NUL/,
      ],
      ["admin.audit offset 2^31", () => trpc("admin.audit", { offset: 2 ** 31 }, adminH), /offset/],
      [
        "x402 GET afterId 2^63",
        () =>
          http("GET", `/api/x402/jobs/${runningJobId}?afterId=9223372036854775808`, undefined, {
            authorization: "Bearer x",
          }),
        /afterId/,
      ],
      [
        "x402 GET afterId 20 digits",
        () =>
          http("GET", `/api/x402/jobs/${runningJobId}?afterId=99999999999999999999`, undefined, {
            authorization: "Bearer x",
          }),
        /afterId/,
      ],
      [
        "jobs.logs afterId 2^63",
        () => trpc("jobs.logs", { id: runningJobId, afterId: "9223372036854775808" }, buyerH),
        /afterId/,
      ],
      [
        "nodes.list cursor id not a UUID",
        () => trpc("nodes.list", { cursor: cursor({ v: "1.0", id: "'; DROP TABLE nodes; --" }) }),
        /cursor/,
      ],
      [
        "nodes.list cursor string for vram_desc",
        () => trpc("nodes.list", { sort: "vram_desc", cursor: cursor({ v: "lots", id: ID }) }),
        /cursor/,
      ],
      [
        "nodes.list cursor non-date for newest",
        () => trpc("nodes.list", { sort: "newest", cursor: cursor({ v: "yesterday", id: ID }) }),
        /cursor/,
      ],
      [
        "nodes.list cursor +300000 for newest",
        () => trpc("nodes.list", { sort: "newest", cursor: cursor({ v: "+300000-01-01T00:00:00.000Z", id: ID }) }),
        /cursor/,
      ],
      [
        "nodes.list cursor array for tflops_desc",
        () => trpc("nodes.list", { sort: "tflops_desc", cursor: cursor({ v: [1, 2], id: ID }) }),
        /cursor/,
      ],
      ["nodes.list cursor null", () => trpc("nodes.list", { cursor: cursor(null) }), /cursor/],
      [
        "nodes.list cursor object value",
        () => trpc("nodes.list", { cursor: cursor({ v: { gt: 1 }, id: ID }) }),
        /cursor/,
      ],
      [
        "nodes.list cursor vram 2^31",
        () => trpc("nodes.list", { sort: "vram_desc", cursor: cursor({ v: 2 ** 31, id: ID }) }),
        /cursor/,
      ],
      ["nodes.list cursor not JSON", () => trpc("nodes.list", { cursor: "%%%not-base64" }), /cursor/],
      [
        "admin.payments from -100000",
        () => trpc("admin.payments", { from: "-100000-01-01T00:00:00Z" }, adminH),
        /from: must be a date/,
      ],
      [
        "admin.payments from -8.64e15",
        () => trpc("admin.payments", { from: -8640000000000000 }, adminH),
        /from: must be a date/,
      ],
      [
        "admin.payments to +275760",
        () => trpc("admin.payments", { to: "+275760-09-13T00:00:00Z" }, adminH),
        /to: must be a date/,
      ],
    ];
    const failures: string[] = [];
    for (const [name, send, message] of cases) {
      const res = await send();
      if (res.status < 400 || res.status >= 500 || !message.test(res.body)) {
        failures.push(`${name}: ${res.status} ${res.body.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await rowCounts()).toEqual(before);

    // The refused redemptions did not burn the code: the agent can still pair with it.
    const paired = await http("POST", "/api/agent/v2/pair", { code: pairCode, gpuInfo: h200 });
    expect(paired.status).toBe(201);
  });

  it("maps errors inside an SSE subscription like any other: an unknown job is NOT_FOUND", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { id: ID } }));
    const res = await fetch(`${server.url}/api/trpc/jobs.onUpdate?input=${input}`, {
      headers: { cookie: buyerCookie },
    });
    const reader = res.body!.getReader();
    let text = "";
    while (!/event: serialized-error[\s\S]*\n\n/.test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toMatch(/"code":"NOT_FOUND"/);
    expect(text).toMatch(/"httpStatus":404/);
    expect(text).not.toMatch(/INTERNAL_SERVER_ERROR/);
  });

  it("caps tRPC batches", async () => {
    const paths = Array.from({ length: 200 }, () => "auth.me").join(",");
    const input = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [i, { json: null }]));
    const res = await fetch(
      `${server.url}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Batch call exceeds maximum size/);
    const small = await fetch(
      `${server.url}/api/trpc/auth.me,auth.me?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: null }, 1: { json: null } }))}`,
    );
    expect(small.status).toBe(200);
  });

  it("fuzz: every tRPC procedure and HTTP route, hostile values, never a 5xx, nothing written", async () => {
    const before = await rowCounts();
    const hostile: unknown[] = [
      null,
      NUL,
      2 ** 63,
      -(2 ** 31) - 1,
      [],
      { id: NUL, nodeId: NUL, jobId: NUL, paymentId: NUL },
      { id: ID, afterId: "99999999999999999999999" },
      { cursor: NUL, limit: 2 ** 40, offset: -1 },
      { cursor: cursor({ v: null, id: NUL }), sort: "newest" },
      { from: "-100000-01-01", to: 8.64e15 + 1, days: 2 ** 31 },
      { message: { seller: NUL, nonce: NUL, expiry: 2 ** 64, gpuInfo: { model: NUL } }, signature: NUL },
      { code: NUL, gpuInfo: { model: NUL, vramMiB: 2 ** 31, gpuCount: 1 } },
      { seq: 2 ** 31, stream: "stdout", data: NUL, jobId: ID },
      { exitCode: 2 ** 53, output: NUL, durationMs: -1, jobId: ID },
      { [NUL]: NUL },
    ];
    const headerSets: Record<string, string>[] = [
      {},
      { cookie: buyerCookie },
      { cookie: adminCookie },
      { authorization: `Bearer ${agentToken}` },
    ];
    const fiveHundreds: string[] = [];
    let sent = 0;
    let refused = 0;
    // Not fuzzed: signOut ends the sessions used here.
    const skipped = new Set(["jobs.onUpdate", "auth.signOut"]);
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
    const paths = Object.keys(procedures).filter((p) => !skipped.has(p));
    for (const path of paths) {
      // A procedure without an input (auth.me, a balance, the status) ignores the value sent: its 200 is no escape.
      const takesInput = procedures[path]!._def.inputs.length > 0;
      for (const input of hostile) {
        for (const headers of headerSets) {
          const res = await trpc(path, input, headers);
          if (takesInput) sent++;
          if (takesInput && res.status >= 400 && res.status < 500) refused++;
          if (res.status >= 500)
            fiveHundreds.push(`${path} ${JSON.stringify(input)}: ${res.status} ${res.body.slice(0, 200)}`);
        }
      }
    }
    const routes: [string, string][] = [
      ["POST", "/api/x402/jobs"],
      ["GET", `/api/x402/jobs/${runningJobId}`],
      ["GET", `/api/x402/jobs/${NUL}`],
      ["POST", "/api/agent/v2/register"],
      ["POST", "/api/agent/v2/pair"],
      ["POST", "/api/agent/v2/heartbeat"],
      ["POST", `/api/agent/v2/jobs/${runningJobId}/logs`],
      ["POST", `/api/agent/v2/jobs/${runningJobId}/complete`],
      ["POST", `/api/agent/v2/jobs/${runningJobId}/fail`],
      ["POST", `/api/agent/v2/jobs/${NUL}/fail`],
      // Protocol 1, still served to agents registered before v2.
      ["POST", "/api/agent/v1/register"],
      ["POST", "/api/agent/v1/heartbeat"],
      ["POST", `/api/agent/v1/jobs/${runningJobId}/logs`],
      ["POST", `/api/agent/v1/jobs/${runningJobId}/complete`],
      ["POST", `/api/agent/v1/jobs/${runningJobId}/fail`],
    ];
    for (const [method, path] of routes) {
      for (const input of hostile) {
        for (const headers of [{}, { authorization: `Bearer ${agentToken}` }] as Record<string, string>[]) {
          const res = await http(method, path, method === "GET" ? undefined : input, headers);
          sent++;
          if (res.status >= 400 && res.status < 500) refused++;
          if (res.status >= 500)
            fiveHundreds.push(`${method} ${path} ${JSON.stringify(input)}: ${res.status} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(fiveHundreds).toEqual([]);
    expect(await rowCounts()).toEqual(before);
    expect(sent).toBeGreaterThan(1500);
    expect(refused / sent).toBeGreaterThan(0.8);
  }, 300_000);
});
