import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { callerFor } from "@/test/caller";
import { CHAIN_ID, newSeller, signedRegistration, siweSignIn, testDeployment } from "@/test/factories";
import { parseEnv } from "../env";
import { demoWallet } from "../dev/demo/demo-wallet";
import { assertMetricsAccess } from "./metrics-auth";
import { assertSameOrigin } from "./same-origin";

/** CSRF, SIWE uri, cookie flags, metrics token, the demo wallet's gate, security headers. */
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
const account = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  deps = await createTestDeps({ METRICS_TOKEN: "metrics-token-0123456789" });
  server = await startTestServer(deps);
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
});

async function sessionCookie() {
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(account, nonce));
  return resHeaders.get("set-cookie")!.split(";")[0]!;
}

const me = async (cookie: string) => (await callerFor(deps, { headers: { cookie } })).caller.auth.me();

describe("CSRF: state changes only from our own origin", () => {
  it("refuses a cross-site multipart/form-data POST to auth.signOut carrying the session cookie", async () => {
    const cookie = await sessionCookie();
    const form = new FormData();
    form.set("x", "1");
    const attacks: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of attacks) {
      const res = await fetch(`${server.url}/api/trpc/auth.signOut`, {
        method: "POST",
        headers: { cookie, ...headers },
        body: form,
      });
      expect(res.status).toBe(403);
      expect((await res.json()).error.reason).toBe("cross_origin");
    }
    expect(await me(cookie)).toMatchObject({ address: account.address });

    const ours = await fetch(`${server.url}/api/trpc/auth.signOut`, {
      method: "POST",
      headers: {
        cookie,
        origin: "http://localhost:3000",
        "sec-fetch-site": "same-origin",
        "content-type": "application/json",
      },
      body: JSON.stringify({ json: null }),
    });
    expect(ours.status).toBe(200);
    expect(await me(cookie)).toBeNull();
  });

  it("lets non-browser clients (no Origin, no Sec-Fetch-Site) through", () => {
    expect(() => assertSameOrigin(new Headers(), "https://market.example")).not.toThrow();
    expect(() =>
      assertSameOrigin(new Headers({ origin: "https://market.example" }), "https://market.example/"),
    ).not.toThrow();
    expect(() => assertSameOrigin(new Headers({ origin: "http://market.example" }), "https://market.example")).toThrow(
      /only from https:\/\/market.example/,
    );
  });
});

describe("SIWE and the session cookie", () => {
  it("refuses a message whose uri is another site, even with our domain", async () => {
    const { caller } = await callerFor(deps);
    const { nonce } = await caller.auth.nonce();
    const message = createSiweMessage({
      address: account.address,
      chainId: CHAIN_ID,
      domain: "localhost:3000",
      nonce,
      uri: "https://evil.example/login",
      version: "1",
      issuedAt: new Date(),
    });
    await expect(
      caller.auth.signIn({ message, signature: await account.signMessage({ message }) }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // The refused sign-in did not spend the nonce.
    expect(await caller.auth.signIn(await siweSignIn(account, nonce))).toMatchObject({ address: account.address });
  });

  it("marks the cookie Secure when PUBLIC_URL is https, whatever NODE_ENV", async () => {
    const httpsDeps = await createTestDeps({ PUBLIC_URL: "https://market.example", NODE_ENV: "development" });
    try {
      const { caller, resHeaders } = await callerFor(httpsDeps);
      const { nonce } = await caller.auth.nonce();
      const message = createSiweMessage({
        address: account.address,
        chainId: CHAIN_ID,
        domain: "market.example",
        nonce,
        uri: "https://market.example",
        version: "1",
        issuedAt: new Date(),
      });
      await caller.auth.signIn({ message, signature: await account.signMessage({ message }) });
      expect(resHeaders.get("set-cookie")).toMatch(/; Secure$/);
    } finally {
      await httpsDeps.cleanup();
    }
    const { caller, resHeaders } = await callerFor(deps);
    const { nonce } = await caller.auth.nonce();
    await caller.auth.signIn(await siweSignIn(account, nonce));
    expect(resHeaders.get("set-cookie")).not.toMatch(/Secure/);
  });
});

describe("metrics and the demo wallet", () => {
  it("/api/metrics needs the bearer token when METRICS_TOKEN is set", async () => {
    expect((await fetch(`${server.url}/api/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await fetch(`${server.url}/api/metrics`, {
      headers: { authorization: "Bearer metrics-token-0123456789" },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/cs_requests_total/);
    const production = parseEnv({ NODE_ENV: "production" });
    expect(() => assertMetricsAccess(production, null)).toThrow(/set METRICS_TOKEN/);
  });

  it("hands out the funded key only on the embedded chain, and with a real database only if DEMO=true", () => {
    const local = { get: () => "http://127.0.0.1:8545" } as unknown as TestDeps["local"];
    const at = (vars: Record<string, string>) => demoWallet({ env: parseEnv(vars), local });
    expect(at({})).toMatchObject({ enabled: true, privateKey: expect.stringMatching(/^0x/) });
    const shared = at({ DATABASE_URL: "postgresql://db/market" });
    expect(shared).toEqual({ enabled: false, chainId: 31337, marketplaceUrl: "http://localhost:3000" });
    expect(at({ DATABASE_URL: "postgresql://db/market", DEMO: "true" })).toMatchObject({ enabled: true });
    expect(at({ RPC_URL: "http://127.0.0.1:8545", DEMO: "true" })).not.toHaveProperty("privateKey");
  });
});

describe("security headers", () => {
  it("the app sends CSP (no framing), X-Frame-Options, nosniff and Referrer-Policy on every path", async () => {
    const configPath = new URL("../../../next.config.mjs", import.meta.url).href;
    const config = (await import(/* @vite-ignore */ configPath)).default as {
      headers(): Promise<{ source: string; headers: { key: string; value: string }[] }[]>;
    };
    const [rule] = await config.headers();
    expect(rule!.source).toBe("/:path*");
    const h = Object.fromEntries(rule!.headers.map((x) => [x.key, x.value]));
    expect(h["Content-Security-Policy"]).toMatch(/frame-ancestors 'none'/);
    expect(h["Content-Security-Policy"]).toMatch(/object-src 'none'/);
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
  });

  it("JSON API answers carry the short strict set instead: nothing may load, frame or be sniffed", async () => {
    const configPath = new URL("../../../next.config.mjs", import.meta.url).href;
    const config = (await import(/* @vite-ignore */ configPath)).default as {
      headers(): Promise<{ source: string; headers: { key: string; value: string }[] }[]>;
    };
    // Next applies every matching rule, the later one winning per key: /api paths get the API set.
    const rules = await config.headers();
    expect(rules.map((r) => r.source)).toEqual(["/:path*", "/api/:path*"]);
    const api = Object.fromEntries(rules[1]!.headers.map((x) => [x.key, x.value]));
    const strict = {
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    };
    expect(api).toEqual(strict);
    // What the lean layer actually sends, on an agent answer and a tRPC answer.
    for (const path of ["/api/agent/v2/info", "/api/trpc/auth.me"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      for (const [k, v] of Object.entries(strict)) expect(res.headers.get(k)).toBe(v);
      // No page-only headers: the answer is not a document.
      expect(res.headers.get("permissions-policy")).toBeNull();
      expect(res.headers.get("cross-origin-opener-policy")).toBeNull();
    }
  });
});

describe("seller signatures are bound to the deployment (agent protocol 2)", () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("refuses a registration signed for another marketplace on the same chain, and writes nothing", async () => {
    const before = await deps.prisma.node.count();
    const elsewhere = await signedRegistration(
      newSeller(),
      {},
      testDeployment(CHAIN_ID, "https://other-market.example"),
    );
    const res = await post("/api/agent/v2/register", elsewhere);
    expect(res.status).toBe(401);
    expect((await res.json()).error.reason).toBe("bad_signature");
    expect(await deps.prisma.node.count()).toBe(before);
    // The same seller, signing for this marketplace, is welcome.
    expect((await post("/api/agent/v2/register", await signedRegistration(newSeller()))).status).toBe(201);
  });

  it("tells a protocol-1 agent to upgrade, while its other calls keep working", async () => {
    const reg = await post("/api/agent/v1/register", await signedRegistration(newSeller()));
    expect(reg.status).toBe(412);
    const err = (await reg.json()).error;
    expect(err.reason).toBe("agent_protocol_outdated");
    expect(err.message).toMatch(/upgrade computeswarm-agent/);

    const { agentToken } = await (await post("/api/agent/v2/register", await signedRegistration(newSeller()))).json();
    const hb = await post("/api/agent/v1/heartbeat", {}, { authorization: `Bearer ${agentToken}` });
    expect(hb.status).toBe(200);
    const info = await (await fetch(`${server.url}/api/agent/v1/info`)).json();
    expect(info).toEqual({ protocolVersion: 2, chainId: CHAIN_ID, marketplaceUrl: "http://localhost:3000" });
  });
});
