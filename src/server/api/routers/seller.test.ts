import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSellerMessage } from "@computeswarm/protocol";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { CHAIN_ID, testDeployment, h200, inMinutes, nonce, siweSignIn } from "@/test/factories";
import { startTestServer } from "@/test/http-server";

let deps: TestDeps;
const seller = privateKeyToAccount(generatePrivateKey());
const admin = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  deps = await createTestDeps({
    ADMIN_ADDRESSES: admin.address,
    PUBLIC_URL: "https://market.example",
    // Not built here: the commands are the checkout's (agent-bundle.test.ts covers the download).
    AGENT_BUNDLE_FILE: "/nonexistent/cli.js",
  });
});
afterAll(() => deps?.cleanup());

async function signedIn(account: PrivateKeyAccount) {
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce: n } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(account, n, "market.example", "https://market.example"));
  return (await callerFor(deps, { headers: { cookie: resHeaders.get("set-cookie")!.split(";")[0]! } })).caller;
}

async function signedPairing(account: PrivateKeyAccount, pricePerHour = "1.25") {
  const message = { seller: account.address, pricePerHour, endpoint: "", nonce: nonce(), expiry: inMinutes(10) };
  return signSellerMessage(account, testDeployment(CHAIN_ID, "https://market.example"), "PairNode", message);
}

describe("seller pairing and dashboard", () => {
  it("a signed pairing code is redeemed once by an agent, creating the seller's node at the signed price", async () => {
    const api = await signedIn(seller);
    const pairing = await api.seller.createPairingCode(await signedPairing(seller, "1.25"));
    expect(pairing.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(pairing.commands).toEqual([
      `npx computeswarm-agent register --marketplace https://market.example --pair ${pairing.code}`,
      "npx computeswarm-agent start --allow-unsandboxed",
    ]);

    const server = await startTestServer(deps);
    try {
      const redeem = (code: string) =>
        fetch(`${server.url}/api/agent/v1/pair`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ code, gpuInfo: h200 }),
        });
      const first = await redeem(pairing.code.toLowerCase());
      expect(first.status).toBe(201);
      const { nodeId, agentToken } = await first.json();
      expect(agentToken).toMatch(/^csa_/);
      const second = await redeem(pairing.code);
      expect(second.status).toBe(404);
      expect((await second.json()).error.reason).toBe("pairing_code_invalid");

      const node = await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } });
      expect(node).toMatchObject({ sellerAddress: seller.address, gpuModel: "NVIDIA H200" });
      expect(node.pricePerHour.toString()).toBe("1.25");
    } finally {
      await server.close();
    }
    // Someone else's signature cannot make codes for this seller.
    const forged = await signedPairing(seller);
    const other = await signedPairing(privateKeyToAccount(generatePrivateKey()));
    await expect(
      api.seller.createPairingCode({ message: forged.message, signature: other.signature }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("the dashboard shows the seller's nodes, earnings and earnings per day", async () => {
    const api = await signedIn(seller);
    const { nodes } = await api.seller.dashboard();
    const nodeId = nodes[0]!.id;
    const job = await deps.prisma.job.create({
      data: {
        buyerAddress: admin.address,
        nodeId,
        jobType: "python",
        script: "x",
        maxDurationSeconds: 60,
        status: "completed",
      },
    });
    await deps.prisma.payment.create({
      data: {
        jobId: job.id,
        fromAddress: admin.address,
        toAddress: seller.address,
        amountUsdc: "0.75",
        amountAtomic: "750000",
        asset: "0x0000000000000000000000000000000000000001",
        network: "eip155:31337",
        nonce: `0x${"ab".repeat(32)}`,
        validAfter: new Date(0),
        validBefore: new Date(Date.now() + 3600_000),
        signedPayload: {},
        scheme: "auth-capture",
        status: "captured",
        // 0.80 captured, of which a 0.05 marketplace fee: the seller earned 0.75.
        capturedAtomic: "800000",
        feeAtomic: "50000",
        returnedAtomic: "0",
        confirmedAt: new Date(),
      },
    });
    const dash = await api.seller.dashboard({ days: 7 });
    expect(dash.nodes).toHaveLength(1);
    expect(dash.nodes[0]).toMatchObject({ id: nodeId, earnedUsd: "0.75", status: "offline" });
    expect(dash.totals).toMatchObject({ earnedUsd: "0.75", feesUsd: "0.05", nodesOnline: 0 });
    expect(dash.earningsByDay).toHaveLength(7);
    expect(dash.earningsByDay.at(-1)).toMatchObject({ usd: "0.75" });
    // Another seller sees none of it.
    const stranger = await signedIn(privateKeyToAccount(generatePrivateKey()));
    expect((await stranger.seller.dashboard()).nodes).toHaveLength(0);
  });

  it("admins see market stats, every node and the audit log; others are refused", async () => {
    const adminApi = await signedIn(admin);
    const stats = await adminApi.admin.stats();
    expect(stats.jobsByStatus).toContainEqual({ status: "completed", count: 1 });
    expect(stats.settled).toMatchObject({ volumeUsd: "0.8", payments: 1 });
    const { items, total } = await adminApi.admin.nodes({ search: "h200" });
    expect(total).toBe(1);
    await adminApi.admin.suspendNode({ nodeId: items[0]!.id, reason: "test" });
    expect((await adminApi.admin.nodes({ status: "suspended" })).total).toBe(1);
    expect((await adminApi.admin.audit())[0]).toMatchObject({
      action: "suspend_node",
      targetId: items[0]!.id,
      details: { reason: "test" },
    });
    const sellerApi = await signedIn(seller);
    await expect(sellerApi.admin.stats()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(sellerApi.admin.audit()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
