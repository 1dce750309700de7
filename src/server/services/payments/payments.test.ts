/**
 * Paying for a job end to end on a real chain (anvil) and a real database: quote →
 * sign as a wallet → submit → the agent runs the job → settled on chain; and every
 * way a payment can be wrong, each refused with its own reason and nothing written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PaymentRequirements } from "@x402/core/types";
import type { Hex, LocalAccount } from "viem";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import {
  anvilWallet,
  authorizationOf,
  encodeHeader,
  signPayment,
  signPaymentWith,
  startTestChain,
  type TestChain,
} from "@/test/chain";
import { eventually, onlineNode, pythonJob, runNextJob, signedInCaller, type Caller } from "@/test/market";
import { getNetwork } from "../../payments/networks";
import type { AppError } from "../../errors";
import { startSettlementWorker } from "./settlement-worker";

let chain: TestChain;
let deps: TestDeps;
let buyer: LocalAccount;
let buyerApi: Caller;

beforeAll(async () => {
  chain = await startTestChain();
  deps = await createTestDeps({ RPC_URL: chain.rpcUrl, SETTLEMENT_INTERVAL_MS: "50" });
  buyer = anvilWallet(1); // the funded demo buyer
  buyerApi = await signedInCaller(deps, buyer);
});
afterAll(async () => {
  await deps?.cleanup();
  await chain?.stop();
});

const counts = async () => ({ jobs: await deps.prisma.job.count(), payments: await deps.prisma.payment.count() });

async function quoted(price = "3.60", maxDurationSeconds = 60) {
  const node = await onlineNode(deps, price);
  const quote = await buyerApi.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds });
  return { node, quote, requirements: quote.requirements as PaymentRequirements };
}

/** Expects a refusal with this reason and returns the AppError behind it. */
async function refused(promise: Promise<unknown>, reason: string, code = "PAYMENT_REQUIRED"): Promise<AppError> {
  const err = (await promise.then(
    () => {
      throw new Error(`expected a refusal (${reason})`);
    },
    (e: unknown) => e,
  )) as { code: string; cause?: AppError };
  expect({ code: err.code, reason: err.cause?.reason }).toEqual({ code, reason });
  return err.cause!;
}

describe("quote", () => {
  it("is x402 v2 PaymentRequirements: price × duration rounded up, payTo the seller, window for settlement", async () => {
    const { node, quote } = await quoted("3.60", 60);
    expect(quote).toMatchObject({
      free: false,
      amountUsd: "0.06",
      amountAtomic: "60000",
      network: { caip2: "eip155:31337", chainId: 31337 },
    });
    expect(quote.requirements).toEqual({
      scheme: "exact",
      network: "eip155:31337",
      asset: chain.usdc,
      amount: "60000",
      payTo: node.seller.address,
      maxTimeoutSeconds: 60 + deps.env.SETTLEMENT_WINDOW_SECONDS,
      extra: { name: "USD Coin", version: "2" },
    });
    // 1.00/h for 1 s = 277.77… atomic units: rounded up, never down.
    const odd = await onlineNode(deps, "1.00");
    expect(
      (await buyerApi.jobs.quote({ nodeId: odd.nodeId, jobType: "python", maxDurationSeconds: 1 })).requirements
        ?.amount,
    ).toBe("278");
  });

  it("says so for a free node", async () => {
    const node = await onlineNode(deps, "0");
    expect(await buyerApi.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 })).toMatchObject(
      {
        free: true,
        amountUsd: "0",
        requirements: null,
      },
    );
  });
});

describe("a paid job, end to end", () => {
  it("quote → sign → submit → run → settled on chain: the seller gets exactly the amount", async () => {
    const stop = startSettlementWorker(deps);
    try {
      const { node, requirements } = await quoted();
      const sellerBefore = await chain.balance(node.seller.address);
      const buyerBefore = await chain.balance(buyer.address);
      const payment = await signPayment(buyer, requirements);
      const submitted = await buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment });
      expect(submitted).toMatchObject({
        status: "queued",
        costUsd: "0.06",
        payment: { status: "pending", amountUsdc: "0.06" },
      });
      const row = await deps.prisma.payment.findUniqueOrThrow({ where: { jobId: submitted.id } });
      expect(row).toMatchObject({
        fromAddress: buyer.address,
        toAddress: node.seller.address,
        nonce: authorizationOf(payment).nonce,
        network: "eip155:31337",
        asset: chain.usdc,
        status: "pending",
      });
      expect(row.amountAtomic.toString()).toBe("60000");

      await runNextJob(node.agent);
      const confirmed = await eventually(async () => {
        const p = await deps.prisma.payment.findUniqueOrThrow({ where: { jobId: submitted.id } });
        return p.status === "confirmed" && p;
      });
      expect(confirmed.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      const receipt = await chain.client.getTransactionReceipt({ hash: confirmed.txHash as Hex });
      expect(receipt.status).toBe("success");
      expect(confirmed.blockNumber).toBe(receipt.blockNumber);
      expect(confirmed.confirmedAt).not.toBeNull();
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
      expect(await chain.balance(buyer.address)).toBe(buyerBefore - 60_000n);
      expect(await chain.authorizationUsed(buyer.address, authorizationOf(payment).nonce)).toBe(true);

      const view = await buyerApi.jobs.get({ id: submitted.id });
      expect(view).toMatchObject({
        status: "completed",
        output: "result\n",
        outputReleased: true,
        payment: { status: "confirmed", txHash: confirmed.txHash },
      });
      const mine = await buyerApi.payments.list({ role: "buyer" });
      expect(mine.items.find((p) => p.jobId === submitted.id)).toMatchObject({
        status: "confirmed",
        amountUsdc: "0.06",
        txHash: confirmed.txHash,
      });
      const sellerApi = await signedInCaller(deps, node.seller);
      expect((await sellerApi.payments.list({ role: "seller" })).items).toMatchObject([
        { jobId: submitted.id, status: "confirmed" },
      ]);
      expect((await sellerApi.payments.list({ role: "buyer" })).items).toEqual([]);
    } finally {
      await stop();
    }
  });

  it("output stays with the server until the payment is settled", async () => {
    const { node, requirements } = await quoted();
    const submitted = await buyerApi.jobs.submit({
      ...pythonJob(node.nodeId),
      payment: encodeHeader(await signPayment(buyer, requirements)),
    });
    await runNextJob(node.agent);
    expect(await buyerApi.jobs.get({ id: submitted.id })).toMatchObject({
      status: "completed",
      output: null,
      outputReleased: false,
      payment: { status: "pending" },
    });
  });
});

describe("refused payments: each with its reason, nothing written", () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeEach(async () => {
    before = await counts();
  });
  const nothingWritten = async () => expect(await counts()).toEqual(before);

  it("no payment for a priced node: 402 with the requirements", async () => {
    const { node, requirements } = await quoted();
    const err = await refused(buyerApi.jobs.submit(pythonJob(node.nodeId)), "payment_required");
    expect(err.details).toMatchObject({ requirements, reason: "payment_required" });
    await nothingWritten();
  });

  it("a replayed authorization, after it was accepted", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, requirements);
    await buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment });
    before = await counts();
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "nonce_already_used");
    await nothingWritten();
  });

  it("the same authorization submitted concurrently creates exactly one job", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, requirements);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as { cause?: AppError }).cause?.reason).toBe("nonce_already_used");
    }
    expect(await counts()).toEqual({ jobs: before.jobs + 1, payments: before.payments + 1 });
  });

  it("an amount lower than the quote", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPaymentWith(buyer, requirements, { value: "59999" });
    const err = await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "amount_too_low");
    expect(err.message).toContain("0.06");
    await nothingWritten();
  });

  it("a payment to someone other than the node's seller", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, { ...requirements, payTo: anvilWallet(7).address });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "recipient_mismatch");
    await nothingWritten();
  });

  it("a payment for another network", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, { ...requirements, network: "eip155:8453" });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "network_mismatch");
    await nothingWritten();
  });

  it("a payment in another token", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, { ...requirements, asset: getNetwork("base").usdc.address });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "asset_mismatch");
    // Claiming our token while signed for another: the signature gives it away.
    const forged = await signPaymentWith(buyer, requirements, {}, { asset: getNetwork("base").usdc.address });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment: forged }), "invalid_signature");
    await nothingWritten();
  });

  it("an expired authorization", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPaymentWith(buyer, requirements, {
      validBefore: String(Math.floor(Date.now() / 1000) - 10),
    });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "expired");
    await nothingWritten();
  });

  it("an authorization that expires before the job could be settled", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPaymentWith(buyer, requirements, {
      validBefore: String(Math.floor(Date.now() / 1000) + 90),
    });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "valid_before_too_soon");
    await nothingWritten();
  });

  it("an authorization not valid yet", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPaymentWith(buyer, requirements, {
      validAfter: String(Math.floor(Date.now() / 1000) + 600),
    });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "not_yet_valid");
    await nothingWritten();
  });

  it("an authorization signed by someone other than `from`", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPaymentWith(anvilWallet(8), requirements, { from: buyer.address });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "invalid_signature");
    await nothingWritten();
  });

  it("a payer without the balance, told how much they have", async () => {
    const { node, requirements } = await quoted();
    const poor = anvilWallet(9);
    await chain.mint(poor.address, 40_000n); // 0.04 of 0.06
    const poorApi = await signedInCaller(deps, poor);
    const err = await refused(
      poorApi.jobs.submit({ ...pythonJob(node.nodeId), payment: await signPayment(poor, requirements) }),
      "insufficient_balance",
    );
    expect(err.message).toBe("Your USDC balance is 0.04, this job costs 0.06.");
    await nothingWritten();
  });

  it("a payment signed by another wallet than the signed-in buyer", async () => {
    const { node, requirements } = await quoted();
    await refused(
      buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment: await signPayment(anvilWallet(5), requirements) }),
      "payer_mismatch",
    );
    await nothingWritten();
  });

  it("a payload that is not base64 JSON, or not an x402 v2 payment", async () => {
    const { node, requirements } = await quoted();
    const submit = (payment: unknown) =>
      buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment: payment as string });
    await refused(submit("this is not base64!"), "invalid_payload");
    await refused(submit(Buffer.from("not json").toString("base64")), "invalid_payload");
    await refused(submit({ hello: "world" }), "unsupported_version");
    const good = await signPayment(buyer, requirements);
    await refused(submit({ ...good, x402Version: 1 }), "unsupported_version");
    await refused(submit({ ...good, payload: { signature: "0x00" } }), "invalid_payload");
    await refused(submit({ ...good, accepted: { ...good.accepted, scheme: "upto" } }), "unsupported_scheme");
    await nothingWritten();
  });

  it("a payment for a free node", async () => {
    const node = await onlineNode(deps, "0");
    const { requirements } = await quoted();
    const payment = await signPayment(buyer, { ...requirements, payTo: node.seller.address });
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "payment_not_needed", "BAD_REQUEST");
    await nothingWritten();
  });
});
