/**
 * Escrowed payments end to end on a real chain (anvil with our auth-capture escrow at
 * the canonical addresses) and a real database: a stock x402 client holds the ceiling
 * in escrow, the job runs, the seconds used are captured and the rest goes back; the
 * attacks that used to leave the seller unpaid; voids; crash recovery; RPC outages;
 * the buyer's reclaim after the deadline. Balances are checked on chain.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { AuthCaptureEvmScheme } from "@x402/evm/auth-capture/client";
import { createWalletClient, http, publicActions, type Hex, type LocalAccount } from "viem";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { anvilWallet, startTestChain, type TestChain } from "@/test/chain";
import { offer, signAuthCapture } from "@/test/escrow-payments";
import { eventually, onlineNode, pythonJob, signedInCaller } from "@/test/market";
import type { AgentHttp } from "@/test/agent-http";
import { startRpcProxy } from "@/test/rpc-proxy";
import { createChainService, getChain } from "../../payments/chain-service";
import { localViemChain } from "../../dev/chain/local-chain";
import { signAuthorization, signCancelAuthorization } from "../../dev/chain/eip3009-signing";
import { testUsdcAbi } from "../../dev/chain/artifacts";
import { fromStoredPaymentInfo } from "../../payments/escrow/payment-info";
import { reclaimAsPayer } from "../../payments/escrow/escrow-ops";
import { watchdogPass } from "../jobs/watchdog";
import { startSettlementWorker } from "./settlement-worker";
import { settleJobPayment, settlementPass } from "./settlement";
import { getEscrow } from "./escrow";

let chain: TestChain;
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
let operator: Hex;

beforeAll(async () => {
  chain = await startTestChain();
  deps = await createTestDeps({ RPC_URL: chain.rpcUrl, VOID_GRACE_SECONDS: "60" });
  server = await startTestServer(deps);
  operator = (await getChain(deps)).relayer!.address;
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
  await chain?.stop();
});

const job = (nodeId: string) => pythonJob(nodeId, 60);

async function fundedBuyer(index: number, amount = 1_000_000n): Promise<LocalAccount> {
  const wallet = anvilWallet(index);
  const balance = await chain.balance(wallet.address);
  if (balance < amount) await chain.mint(wallet.address, amount - balance);
  return wallet;
}

/** The agent takes its next job, "runs" it for `seconds` on the server's clock, and reports. */
async function runFor(
  agent: AgentHttp,
  seconds: number,
  outcome: { exitCode: number } | { nodeError: string } = { exitCode: 0 },
) {
  const { job: claimed } = await agent.agent.claim({ waitSeconds: 0 });
  if (!claimed) throw new Error("no job to claim");
  deps.clock.advance(seconds * 1000);
  if ("nodeError" in outcome) await agent.agent.fail({ jobId: claimed.id, message: outcome.nodeError });
  else
    await agent.agent.complete({
      jobId: claimed.id,
      exitCode: outcome.exitCode,
      output: "ok\n",
      durationMs: seconds * 1000,
    });
  return claimed.id;
}

const paymentOf = (jobId: string) => deps.prisma.payment.findUniqueOrThrow({ where: { jobId } });

/** A job bought through the tRPC door by a signed-in buyer, held in escrow. */
async function heldJob(buyerIndex: number, price = "3.60") {
  const buyer = await fundedBuyer(buyerIndex);
  const api = await signedInCaller(deps, buyer);
  const node = await onlineNode(deps, price);
  const quote = await api.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
  const payment = await signAuthCapture(buyer, offer(quote, "auth-capture"));
  const before = await chain.balance(buyer.address);
  const submitted = await api.jobs.submit({ ...job(node.nodeId), payment });
  return { buyer, api, node, jobId: submitted.id, payment, before };
}

describe("the quote and the 402", () => {
  it("offers auth-capture first (escrow, our operator, deadlines, fee bounds), exact second, and says how each is charged", async () => {
    const node = await onlineNode(deps, "3.60");
    const res = await fetch(`${server.url}/api/x402/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(job(node.nodeId)),
    });
    expect(res.status).toBe(402);
    const required = decodePaymentRequiredHeader(res.headers.get("payment-required")!);
    const now = Math.floor(Date.now() / 1000);
    expect(required.accepts.map((a) => a.scheme)).toEqual(["auth-capture", "exact"]);
    const [escrowed, exact] = required.accepts;
    expect(escrowed).toMatchObject({
      network: "eip155:31337",
      asset: chain.usdc,
      amount: "60000",
      payTo: node.seller.address,
      maxTimeoutSeconds: 300,
      extra: {
        name: "USD Coin",
        version: "2",
        authCaptureEscrow: chain.escrow.escrow,
        captureAuthorizer: operator,
        operatorType: "delegated",
        minFeeBps: 0,
        maxFeeBps: 0,
        feeRecipient: "0x0000000000000000000000000000000000000000",
      },
    });
    const deadline = escrowed!.extra.captureDeadline as number;
    // sign window + max duration + settlement window
    expect(deadline).toBeGreaterThanOrEqual(now + 300 + 60 + deps.env.SETTLEMENT_WINDOW_SECONDS - 2);
    expect(deadline).toBeLessThanOrEqual(now + 300 + 60 + deps.env.SETTLEMENT_WINDOW_SECONDS + 2);
    expect(escrowed!.extra.refundDeadline).toBe(deadline);
    expect(exact).toMatchObject({ amount: "60000", payTo: node.seller.address, maxTimeoutSeconds: 300 });
    expect(required.resource.description).toMatch(/held in escrow.*per second used/);
    expect(required.resource.description).toMatch(/exact: USDC 0\.06 is paid to the seller at submission.*no refund/);
  });
});

describe("a stock x402 client with the auth-capture scheme", () => {
  it("buys a 3-second job on a $3.60/h node with a 60 s limit: the seller gets exactly 3 s worth, the buyer the rest back", async () => {
    const stop = startSettlementWorker(deps);
    try {
      const node = await onlineNode(deps, "3.60");
      const buyer = await fundedBuyer(3);
      const buyerBefore = await chain.balance(buyer.address);
      const sellerBefore = await chain.balance(node.seller.address);
      const client = new x402Client().register("eip155:*", new AuthCaptureEvmScheme(buyer));
      client.setSpendControls({ allowedAssets: [{ network: "eip155:31337", asset: chain.usdc }] });
      const res = await wrapFetchWithPayment(fetch, client)(`${server.url}/api/x402/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(job(node.nodeId)),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { jobId: string; accessToken: string; payment: { status: string } };
      expect(created.payment).toMatchObject({ scheme: "auth-capture", status: "held", heldUsd: "0.06" });
      const response = decodePaymentResponseHeader(res.headers.get("payment-response")!);
      expect(response).toMatchObject({ success: true, payer: buyer.address, amount: "60000" });
      expect(response.transaction).toMatch(/^0x[0-9a-f]{64}$/);

      // 201 only once the escrow holds the ceiling: the buyer's 0.06 is gone, the seller has nothing yet.
      const row = await paymentOf(created.jobId);
      expect(await chain.escrowState(row.paymentInfoHash as Hex)).toMatchObject({
        capturableAmount: 60_000n,
        refundableAmount: 0n,
      });
      expect(await chain.balance(buyer.address)).toBe(buyerBefore - 60_000n);
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore);

      await runFor(node.agent, 2.5); // 2.5 s and a few ms on the server's clock → 3 billed seconds
      const settled = await eventually(async () => {
        const p = await paymentOf(created.jobId);
        return p.status === "captured" && p;
      });
      expect(settled).toMatchObject({ billedSeconds: 3, scheme: "auth-capture" });
      expect(settled.capturedAtomic!.toFixed(0)).toBe("3000");
      expect(settled.returnedAtomic!.toFixed(0)).toBe("57000");
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 3_000n);
      expect(await chain.balance(buyer.address)).toBe(buyerBefore - 3_000n);
      expect(await chain.escrowState(row.paymentInfoHash as Hex)).toMatchObject({
        capturableAmount: 0n,
        refundableAmount: 3_000n,
      });

      const status = await fetch(`${server.url}/api/x402/jobs/${created.jobId}`, {
        headers: { authorization: `Bearer ${created.accessToken}` },
      });
      expect(await status.json()).toMatchObject({
        status: "completed",
        output: "ok\n",
        payment: { status: "captured", capturedUsdc: "0.003", returnedUsdc: "0.057", billedSeconds: 3 },
      });
    } finally {
      await stop();
    }
  });

  it("the same payment sent again returns the same job (200, no new token) and holds nothing more", async () => {
    const node = await onlineNode(deps, "3.60");
    const buyer = await fundedBuyer(4);
    const probe = await fetch(`${server.url}/api/x402/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(job(node.nodeId)),
    });
    const required = decodePaymentRequiredHeader(probe.headers.get("payment-required")!);
    const payment = await signAuthCapture(buyer, required.accepts[0]!);
    const header = Buffer.from(JSON.stringify(payment)).toString("base64");
    const send = () =>
      fetch(`${server.url}/api/x402/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", "payment-signature": header },
        body: JSON.stringify(job(node.nodeId)),
      });
    const before = await chain.balance(buyer.address);
    // Two at the same instant, then once more.
    const [a, b] = await Promise.all([send(), send()]);
    const c = await send();
    const bodies = (await Promise.all([a, b, c].map((r) => r.json()))) as {
      jobId: string;
      accessToken: string | null;
    }[];
    expect([a.status, b.status, c.status].sort()).toEqual([200, 200, 201]);
    expect(new Set(bodies.map((x) => x.jobId)).size).toBe(1);
    expect(bodies.filter((x) => x.accessToken).length).toBe(1);
    expect(await deps.prisma.job.count({ where: { nodeId: node.nodeId } })).toBe(1);
    expect(await chain.balance(buyer.address)).toBe(before - 60_000n);
  });
});

describe("attacks that used to leave the seller unpaid", () => {
  it("reusing the nonce, cancelling the authorization, draining the balance: the seller is still paid for delivered work", async () => {
    const { buyer, node, jobId, payment, before } = await heldJob(5);
    const auth = (payment.payload as { authorization: { nonce: Hex } }).authorization;
    const token = { address: chain.usdc, name: "USD Coin", version: "2", chainId: 31337 };
    const wallet = createWalletClient({
      account: buyer,
      chain: localViemChain(chain.rpcUrl),
      transport: http(chain.rpcUrl),
    }).extend(publicActions);

    // 1. The same nonce for a transfer to itself: the nonce is spent by the escrow's collection.
    const now = Math.floor(Date.now() / 1000);
    const hijack = {
      from: buyer.address,
      to: buyer.address,
      value: "1",
      validAfter: "0",
      validBefore: String(now + 600),
      nonce: auth.nonce,
    };
    const sig = await signAuthorization(buyer, token, hijack);
    const { r, s, v } = splitSig(sig);
    await expect(
      wallet.writeContract({
        address: chain.usdc,
        abi: testUsdcAbi,
        functionName: "transferWithAuthorization",
        args: [hijack.from, hijack.to, 1n, 0n, BigInt(hijack.validBefore), auth.nonce, v, r, s],
      }),
    ).rejects.toThrow(/authorization is used or canceled/);
    // 2. Cancelling it: too late, for the same reason.
    const cancel = splitSig(await signCancelAuthorization(buyer, token, auth.nonce));
    await expect(
      wallet.writeContract({
        address: chain.usdc,
        abi: testUsdcAbi,
        functionName: "cancelAuthorization",
        args: [buyer.address, auth.nonce, cancel.v, cancel.r, cancel.s],
      }),
    ).rejects.toThrow(/authorization is used or canceled/);
    // 3. Draining the wallet: the ceiling is already in escrow.
    const left = await chain.balance(buyer.address);
    const drained = await wallet.writeContract({
      address: chain.usdc,
      abi: testUsdcAbi,
      functionName: "transfer",
      args: [anvilWallet(9).address, left],
    });
    // The RPC answers with the hash; under load anvil may mine it a moment later.
    expect((await wallet.waitForTransactionReceipt({ hash: drained })).status).toBe("success");
    expect(await chain.balance(buyer.address)).toBe(0n);

    const sellerBefore = await chain.balance(node.seller.address);
    await runFor(node.agent, 9.2); // 10 billed seconds at $3.60/h = 0.01
    expect(await settleJobPayment(deps, jobId)).toBe("captured");
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 10_000n);
    expect(await chain.balance(buyer.address)).toBe(50_000n); // the rest of the hold came back
    expect(before - left).toBe(60_000n);
  });
});

describe("voided: the buyer pays nothing", () => {
  it("a node error: the whole hold goes back, exactly (after the grace a late report could use)", async () => {
    const { buyer, node, jobId, before } = await heldJob(6);
    await runFor(node.agent, 4, { nodeError: "sandbox failed" });
    expect(await settleJobPayment(deps, jobId)).toBe("skipped"); // within the void grace
    expect(await paymentOf(jobId)).toMatchObject({ status: "held" });
    deps.clock.advance(61_000);
    expect(await settleJobPayment(deps, jobId)).toBe("voided");
    const p = await paymentOf(jobId);
    expect(p).toMatchObject({ status: "voided", txHash: null });
    expect(p.returnedAtomic!.toFixed(0)).toBe("60000");
    expect(p.voidTxHash).toMatch(/^0x/);
    expect(await chain.balance(buyer.address)).toBe(before);
  });

  it("cancelled before it started: voided at once", async () => {
    const { buyer, api, jobId, before } = await heldJob(7);
    await api.jobs.cancel({ id: jobId });
    expect(await settleJobPayment(deps, jobId)).toBe("voided");
    expect(await chain.balance(buyer.address)).toBe(before);
  });

  it("the agent killed mid-job (silence): node_error by the watchdog, voided after the grace, balance restored", async () => {
    const { buyer, node, jobId, before } = await heldJob(8);
    const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
    expect(claimed?.id).toBe(jobId);
    await deps.resetRedis(); // no more heartbeats: the agent is gone
    deps.clock.advance(deps.env.HEARTBEAT_TTL_SECONDS * 1000 + 1_000);
    expect((await watchdogPass(deps)).nodeErrors).toBeGreaterThanOrEqual(1);
    expect(await settleJobPayment(deps, jobId)).toBe("skipped");
    deps.clock.advance(61_000);
    expect(await settleJobPayment(deps, jobId)).toBe("voided");
    expect(await chain.balance(buyer.address)).toBe(before);
  });
});

describe("exactly once", () => {
  /**
   * A submission cut off while collecting its payment: `sent` — the authorize went out and
   * the process died before recording it; not sent — it died just before. The buyer got no
   * answer, the job cannot be claimed; recovery (the settlement pass) reads the escrow.
   */
  async function cutOffSubmission(buyerIndex: number, sent: boolean) {
    const buyer = await fundedBuyer(buyerIndex);
    const api = await signedInCaller(deps, buyer);
    const node = await onlineNode(deps, "3.60");
    const quote = await api.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
    const payment = await signAuthCapture(buyer, offer(quote, "auth-capture"));
    const before = await chain.balance(buyer.address);
    const { ops } = await getEscrow(deps);
    const authorize = ops.authorize;
    const crash = vi.spyOn(ops, "authorize").mockImplementationOnce(async (...args) => {
      if (sent) await authorize(...args);
      throw new Error("the process died here");
    });
    try {
      await expect(api.jobs.submit({ ...job(node.nodeId), payment })).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
      });
    } finally {
      crash.mockRestore();
    }
    const row = await deps.prisma.payment.findFirstOrThrow({
      where: { fromAddress: buyer.address, status: "authorizing" },
    });
    expect((await node.agent.agent.claim({ waitSeconds: 0 })).job).toBeNull();
    return { buyer, api, node, payment, before, row };
  }

  for (const sent of [true, false]) {
    it(`a submission cut off ${sent ? "after sending its authorize" : "before sending its authorize"}: recovery holds it exactly once and the job runs`, async () => {
      const { buyer, api, node, payment, before, row } = await cutOffSubmission(sent ? 3 : 4, sent);
      const info = fromStoredPaymentInfo(row.paymentInfo);
      expect(await chain.balance(buyer.address)).toBe(sent ? before - 60_000n : before);

      // Old enough for recovery to take it (the clock stays: the authorization's own deadlines are real time).
      await deps.prisma.payment.update({
        where: { id: row.id },
        data: { createdAt: new Date(deps.clock.now().getTime() - 4 * 60_000) },
      });
      await settlementPass(deps);
      const held = await deps.prisma.payment.findUniqueOrThrow({ where: { id: row.id } });
      expect(held.status).toBe("held");
      const { ops } = await getEscrow(deps);
      const history = await ops.readPaymentHistory(info, { fromBlock: 0n });
      expect(history.authorized).toHaveLength(1);
      expect(await chain.balance(buyer.address)).toBe(before - 60_000n); // the ceiling, held once

      // The buyer sends the same payment again: the job it bought, nothing more held.
      const again = await api.jobs.submit({ ...job(node.nodeId), payment });
      expect(again.id).toBe(row.jobId);
      expect(await chain.balance(buyer.address)).toBe(before - 60_000n);

      // The job runs; the seconds used are captured and the rest goes back.
      const sellerBefore = await chain.balance(node.seller.address);
      expect(await runFor(node.agent, 1.5)).toBe(row.jobId);
      expect(await settleJobPayment(deps, row.jobId)).toBe("captured");
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 2_000n);
      expect(await chain.balance(buyer.address)).toBe(before - 2_000n);
      const p = await paymentOf(row.jobId);
      expect(p).toMatchObject({ status: "captured", billedSeconds: 2 });
      expect(p.capturedAtomic!.toFixed(0)).toBe("2000");
      expect(p.returnedAtomic!.toFixed(0)).toBe("58000");
    });
  }

  it("a worker killed between sending the capture and recording it: the next leader records it, captured once", async () => {
    const { buyer, node, jobId, before } = await heldJob(2);
    const sellerBefore = await chain.balance(node.seller.address);
    await runFor(node.agent, 1.5); // 2 billed seconds = 2000
    const row = await paymentOf(jobId);
    // What the crashed worker did: claimed the row, sent the capture, died before recording.
    await deps.prisma.payment.update({
      where: { id: row.id },
      data: { status: "settling", nextAttemptAt: new Date(deps.clock.now().getTime() + 300_000) },
    });
    const { ops } = await getEscrow(deps);
    await ops.capture(fromStoredPaymentInfo(row.paymentInfo), 2_000n, 0, row.feeRecipient as Hex);

    expect((await settlementPass(deps)).captured).toBe(0); // the lease still runs: an ordinary pass leaves it
    const r = await settlementPass(deps, { takeover: true }); // a new leader resolves it at once
    expect(r.recovered + r.captured).toBe(1);
    const p = await paymentOf(jobId);
    expect(p).toMatchObject({ status: "captured", billedSeconds: 2 });
    expect(p.capturedAtomic!.toFixed(0)).toBe("2000");
    expect(p.returnedAtomic!.toFixed(0)).toBe("58000");
    const history = await ops.readPaymentHistory(fromStoredPaymentInfo(row.paymentInfo), { fromBlock: 0n });
    expect(history.captured).toHaveLength(1);
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 2_000n);
    expect(await chain.balance(buyer.address)).toBe(before - 2_000n);
  });

  it("the chain's RPC down: the capture is retried with backoff and lands once it is back", async () => {
    const real = await getChain(deps);
    const proxy = await startRpcProxy(chain.rpcUrl);
    try {
      deps.local.chain = Promise.resolve(await createChainService({ ...deps.env, RPC_URL: proxy.url }));
      const { node, jobId } = await heldJob(2);
      const sellerBefore = await chain.balance(node.seller.address);
      await runFor(node.agent, 2.5);
      await proxy.down();
      expect(await settleJobPayment(deps, jobId)).toBe("retry");
      const first = await paymentOf(jobId);
      expect(first).toMatchObject({ status: "settling", settlementAttempts: 1 });
      expect(await settleJobPayment(deps, jobId)).toBe("skipped"); // backing off
      await proxy.up();
      deps.clock.advance(first.nextAttemptAt!.getTime() - deps.clock.now().getTime() + 1);
      expect(await settleJobPayment(deps, jobId)).toBe("captured");
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 3_000n);
    } finally {
      deps.local.chain = Promise.resolve(real);
      await proxy.close();
    }
  });
});

describe("a marketplace fee (MARKETPLACE_FEE_BPS, FEE_RECIPIENT)", () => {
  it("is published as fixed fee bounds and taken from the capture by the escrow, shown to buyer and seller", async () => {
    const feeRecipient = anvilWallet(9).address;
    const feeDeps = await createTestDeps({
      RPC_URL: chain.rpcUrl,
      MARKETPLACE_FEE_BPS: "250",
      FEE_RECIPIENT: feeRecipient,
    });
    try {
      const buyer = await fundedBuyer(2);
      const api = await signedInCaller(feeDeps, buyer);
      const node = await onlineNode(feeDeps, "3.60");
      const quote = await api.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
      expect(quote.feeBps).toBe(250);
      expect(offer(quote, "auth-capture").extra).toMatchObject({ minFeeBps: 250, maxFeeBps: 250, feeRecipient });
      const before = await chain.balance(buyer.address);
      const feeBefore = await chain.balance(feeRecipient);
      const submitted = await api.jobs.submit({
        ...job(node.nodeId),
        payment: await signAuthCapture(buyer, offer(quote, "auth-capture")),
      });
      const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
      feeDeps.clock.advance(9_200);
      await node.agent.agent.complete({ jobId: claimed!.id, exitCode: 0, output: "ok\n", durationMs: 9_200 });
      expect(await settleJobPayment(feeDeps, submitted.id)).toBe("captured");
      // 10 s at $3.60/h = 10000; 2.5% of it to the marketplace.
      expect(await chain.balance(node.seller.address)).toBe(9_750n);
      expect(await chain.balance(feeRecipient)).toBe(feeBefore + 250n);
      expect(await chain.balance(buyer.address)).toBe(before - 10_000n);
      expect((await api.jobs.get({ id: submitted.id })).payment).toMatchObject({
        capturedUsdc: "0.01",
        feeUsdc: "0.00025",
        returnedUsdc: "0.05",
        feeBps: 250,
      });
      const sellerApi = await signedInCaller(feeDeps, node.seller);
      expect((await sellerApi.seller.dashboard({ days: 7 })).totals).toMatchObject({
        earnedUsd: "0.00975",
        feesUsd: "0.00025",
      });
    } finally {
      await feeDeps.cleanup();
    }
  });
});

describe("deadline passed (runs last: it moves the chain's clock)", () => {
  it("a hold nobody captured in time becomes reclaimable, and the buyer reclaims it on chain", async () => {
    const { buyer, jobId, before } = await heldJob(2);
    const row = await paymentOf(jobId);
    const info = fromStoredPaymentInfo(row.paymentInfo);
    const wait = info.authorizationExpiry - Math.floor(Date.now() / 1000) + 5;
    await chain.client.request({ method: "evm_increaseTime" as never, params: [wait] as never });
    await chain.client.request({ method: "evm_mine" as never, params: [] as never });
    deps.clock.advance(wait * 1000);
    expect((await settlementPass(deps)).reclaimable).toBeGreaterThanOrEqual(1);
    expect(await paymentOf(jobId)).toMatchObject({ status: "reclaimable" });
    const reclaimed = await reclaimAsPayer({
      chain: localViemChain(chain.rpcUrl),
      transport: http(chain.rpcUrl),
      payer: buyer,
      info,
    });
    expect(reclaimed.amount).toBe(60_000n);
    expect(await chain.balance(buyer.address)).toBe(before);
  });
});

function splitSig(sig: Hex) {
  return {
    r: `0x${sig.slice(2, 66)}` as Hex,
    s: `0x${sig.slice(66, 130)}` as Hex,
    v: Number.parseInt(sig.slice(130, 132), 16),
  };
}
