import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { siweSignIn } from "@/test/factories";
import { DEMO_BUYER_PRIVATE_KEY } from "../../dev/demo/demo-wallet";
import { getChain, stopEmbeddedChain } from "../../payments/chain-service";
import { mintTestUsdc } from "../../dev/chain/local-chain";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps?.cleanup();
  await stopEmbeddedChain();
});

async function signedIn(key: `0x${string}`) {
  const { caller, resHeaders } = await callerFor(deps);
  await caller.auth.signIn(await siweSignIn(privateKeyToAccount(key), (await caller.auth.nonce()).nonce));
  const cookie = resHeaders.get("set-cookie")!.split(";")[0]!;
  return (await callerFor(deps, { headers: { cookie } })).caller;
}

describe("payments.balance", () => {
  it("is the signed-in wallet's USDC on the marketplace's chain (the demo wallet is funded)", async () => {
    const demo = await (await signedIn(DEMO_BUYER_PRIVATE_KEY)).payments.balance();
    expect(Number(demo.usdc)).toBeGreaterThan(0);
    expect(demo.network).toMatch(/Local chain/);

    const key = generatePrivateKey();
    const caller = await signedIn(key);
    expect(await caller.payments.balance()).toMatchObject({ usdc: "0" });
    await mintTestUsdc((await getChain(deps)).rpcUrl, privateKeyToAccount(key).address, 2_500_000n);
    expect(await caller.payments.balance()).toMatchObject({ usdc: "2.5" });
  });

  it("needs a session", async () => {
    await expect((await callerFor(deps)).caller.payments.balance()).rejects.toThrow(/sign in/i);
  });
});
