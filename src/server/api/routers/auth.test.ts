import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { siweSignIn } from "@/test/factories";
import { DEMO_BUYER_PRIVATE_KEY } from "@/server/dev/demo/demo-wallet";

let deps: TestDeps;
const account = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  deps = await createTestDeps({ ADMIN_ADDRESSES: account.address });
});
afterAll(() => deps?.cleanup());

const cookieOf = (h: Headers) => h.get("set-cookie")!.split(";")[0]!;

describe("Sign-In with Ethereum", () => {
  it("signs in with a fresh nonce, sets an httpOnly session cookie, and signs out", async () => {
    const { caller, resHeaders } = await callerFor(deps);
    const { nonce } = await caller.auth.nonce();
    expect(await caller.auth.signIn(await siweSignIn(account, nonce))).toEqual({
      address: account.address,
      isAdmin: true,
    });
    const setCookie = resHeaders.get("set-cookie")!;
    expect(setCookie).toMatch(/^cs_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);

    const signedIn = await callerFor(deps, { headers: { cookie: cookieOf(resHeaders) } });
    expect(await signedIn.caller.auth.me()).toEqual({ address: account.address, isAdmin: true });
    await signedIn.caller.auth.signOut();
    expect(signedIn.resHeaders.get("set-cookie")).toMatch(/Max-Age=0/);
    expect(await (await callerFor(deps, { headers: { cookie: cookieOf(resHeaders) } })).caller.auth.me()).toBeNull();
  });

  it("a nonce is good once", async () => {
    const { caller } = await callerFor(deps);
    const { nonce } = await caller.auth.nonce();
    const signed = await siweSignIn(account, nonce);
    await caller.auth.signIn(signed);
    await expect(caller.auth.signIn(signed)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(caller.auth.signIn(await siweSignIn(account, "neverissued123"))).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("refuses a message signed for another site, even replayed with that site's Host header", async () => {
    const { nonce } = await (await callerFor(deps)).caller.auth.nonce();
    const phished = await siweSignIn(account, nonce, "evil.example");
    const { caller } = await callerFor(deps, { headers: { host: "evil.example" } });
    await expect(caller.auth.signIn(phished)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringContaining("localhost:3000"),
    });
  });

  it("refuses another chain, another signer, and a message that is not SIWE", async () => {
    const { caller } = await callerFor(deps);
    const { nonce } = await caller.auth.nonce();
    const message = createSiweMessage({
      address: account.address,
      chainId: 8453,
      domain: "localhost:3000",
      nonce,
      uri: "http://localhost:3000",
      version: "1",
    });
    await expect(
      caller.auth.signIn({ message, signature: await account.signMessage({ message }) }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const forged = await siweSignIn(account, (await caller.auth.nonce()).nonce);
    const other = privateKeyToAccount(generatePrivateKey());
    await expect(
      caller.auth.signIn({ message: forged.message, signature: await other.signMessage({ message: forged.message }) }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(caller.auth.signIn({ message: "hello", signature: forged.signature })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

describe("sign-in on the marketplace's own address", () => {
  let onPort: TestDeps;
  beforeAll(async () => {
    // PUBLIC_URL unset: it follows PORT, as `PORT=3100 npm run demo` does.
    onPort = await createTestDeps({ PORT: "3100" });
  });
  afterAll(() => onPort?.cleanup());

  it("accepts localhost and 127.0.0.1 on the port it serves", async () => {
    expect(onPort.env.PUBLIC_URL).toBe("http://localhost:3100");
    for (const domain of ["localhost:3100", "127.0.0.1:3100"]) {
      const { caller } = await callerFor(onPort);
      const { nonce } = await caller.auth.nonce();
      expect(await caller.auth.signIn(await siweSignIn(account, nonce, domain))).toMatchObject({
        address: account.address,
      });
    }
  });

  it("refuses another port and names the address to open", async () => {
    const { caller } = await callerFor(onPort);
    for (const domain of ["localhost:3000", "127.0.0.2:3100", "evil.example"]) {
      const { nonce } = await caller.auth.nonce();
      await expect(caller.auth.signIn(await siweSignIn(account, nonce, domain))).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: expect.stringContaining("open the marketplace at http://localhost:3100"),
      });
    }
  });
});

describe("the demo wallet on the embedded default", () => {
  const demo = privateKeyToAccount(DEMO_BUYER_PRIVATE_KEY);
  async function signInAsDemo(d: TestDeps, domain: string) {
    const { caller, resHeaders } = await callerFor(d);
    // The message's uri names the same site as its domain, with PUBLIC_URL's scheme.
    const uri = `${new URL(d.env.PUBLIC_URL).protocol}//${domain}`;
    const me = await caller.auth.signIn(await siweSignIn(demo, (await caller.auth.nonce()).nonce, domain, uri));
    return { me, cookie: cookieOf(resHeaders) };
  }

  it("is also an admin, so /admin works without configuration", async () => {
    const embedded = await createTestDeps({ PORT: "3100" });
    try {
      const { me, cookie } = await signInAsDemo(embedded, "127.0.0.1:3100");
      expect(me).toEqual({ address: demo.address, isAdmin: true });
      const admin = (await callerFor(embedded, { headers: { cookie } })).caller;
      await expect(admin.admin.stats()).resolves.toBeDefined();
    } finally {
      await embedded.cleanup();
    }
  });

  it("is no admin on a public URL or someone else's chain (its key is public)", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PUBLIC_URL: "https://market.example" }, "market.example"],
      [{ PORT: "3100", RPC_URL: "http://127.0.0.1:1" }, "localhost:3100"],
    ];
    for (const [env, domain] of cases) {
      const d = await createTestDeps(env);
      try {
        const { me, cookie } = await signInAsDemo(d, domain);
        expect(me).toEqual({ address: demo.address, isAdmin: false });
        await expect((await callerFor(d, { headers: { cookie } })).caller.admin.stats()).rejects.toMatchObject({
          code: "FORBIDDEN",
        });
      } finally {
        await d.cleanup();
      }
    }
  });
});
