/**
 * Paying for a job with the "exact" scheme (the second way in `accepts`) on a real chain
 * (anvil) and a real database: quote → sign as a wallet → submit → paid to the seller at
 * submission, before the job is queued; and every way a payment can be wrong, each
 * refused with its own reason and nothing written (auth-capture's own refusals at the
 * end; its flow is in escrow-payments.test.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Hex, LocalAccount } from "viem";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import {
  anvilWallet,
  authorizationOf,
  signPayment,
  signPaymentWith,
  startTestChain,
  type TestChain,
} from "@/test/chain";
import { onlineNode, pythonJob, runNextJob, signedInCaller, type Caller } from "@/test/market";
import { getNetwork } from "../../payments/networks";
import type { AppError } from "../../errors";
import { offer, signAuthCapture } from "@/test/escrow-payments";

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
  return { node, quote, requirements: offer(quote, "exact") };
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
    expect(quote.requirements?.scheme).toBe("auth-capture");
    expect(quote.accepts.map((a) => a.scheme)).toEqual(["auth-capture", "exact"]);
    expect(quote.accepts[1]).toEqual({
      scheme: "exact",
      network: "eip155:31337",
      asset: chain.usdc,
      amount: "60000",
      payTo: node.seller.address,
      // Paid at submission: the authorization only has to last until it is sent.
      maxTimeoutSeconds: 300,
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

describe("a job paid with exact", () => {
  it("quote → sign → submit: paid to the seller in full at submission, before the job is queued; no refund", async () => {
    const { node, requirements } = await quoted();
    const sellerBefore = await chain.balance(node.seller.address);
    const buyerBefore = await chain.balance(buyer.address);
    const payment = await signPayment(buyer, requirements);
    const submitted = await buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment });
    expect(submitted).toMatchObject({
      status: "queued",
      costUsd: "0.06",
      payment: { scheme: "exact", status: "captured", amountUsdc: "0.06", capturedUsdc: "0.06", returnedUsdc: "0" },
    });
    const row = await deps.prisma.payment.findUniqueOrThrow({ where: { jobId: submitted.id } });
    expect(row).toMatchObject({
      scheme: "exact",
      fromAddress: buyer.address,
      toAddress: node.seller.address,
      nonce: authorizationOf(payment).nonce,
      network: "eip155:31337",
      asset: chain.usdc,
      status: "captured",
    });
    expect(row.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await chain.client.getTransactionReceipt({ hash: row.txHash as Hex });
    expect(receipt.status).toBe("success");
    expect(row.blockNumber).toBe(receipt.blockNumber);
    // Paid before the job ran.
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
    expect(await chain.balance(buyer.address)).toBe(buyerBefore - 60_000n);

    await runNextJob(node.agent); // a 10 ms run: still the ceiling, no refund
    expect(await chain.balance(buyer.address)).toBe(buyerBefore - 60_000n);
    const view = await buyerApi.jobs.get({ id: submitted.id });
    expect(view).toMatchObject({
      status: "completed",
      output: "result\n",
      outputReleased: true,
      payment: { status: "captured", txHash: row.txHash },
    });
    const mine = await buyerApi.payments.list({ role: "buyer" });
    expect(mine.items.find((p) => p.jobId === submitted.id)).toMatchObject({
      status: "captured",
      amountUsdc: "0.06",
      txHash: row.txHash,
    });
    const sellerApi = await signedInCaller(deps, node.seller);
    expect((await sellerApi.payments.list({ role: "seller" })).items).toMatchObject([
      { jobId: submitted.id, status: "captured" },
    ]);
    expect((await sellerApi.payments.list({ role: "buyer" })).items).toEqual([]);
  });

  it("the same-nonce hijack (the payer spends the nonce on a transfer to itself first): a clear 402, nothing written", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, requirements);
    const nonce = authorizationOf(payment).nonce;
    const hijack = await signPaymentWith(buyer, { ...requirements, payTo: buyer.address, amount: "1" }, { nonce });
    // Anyone may send an EIP-3009 transfer: here the relayer's facilitator does.
    const { getChain } = await import("../../payments/chain-service");
    const sent = await (
      await getChain(deps)
    ).facilitator.settle(hijack, { ...requirements, payTo: buyer.address, amount: "1" });
    expect(sent.success).toBe(true);
    const before = await counts();
    await refused(buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment }), "nonce_already_used");
    expect(await counts()).toEqual(before);
    // The recovery check itself: that use of the nonce paid the buyer, not the seller.
    const { findExactPayment } = await import("./exact-transfer");
    const found = await findExactPayment(chain.client, chain.usdc, {
      from: buyer.address,
      to: node.seller.address,
      value: 60_000n,
      nonce,
    });
    expect(found).toEqual({ elsewhere: sent.transaction });
  });
});

describe("refused payments: each with its reason, nothing written", () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeEach(async () => {
    before = await counts();
  });
  const nothingWritten = async () => expect(await counts()).toEqual(before);

  it("no payment for a priced node: 402 with the requirements", async () => {
    const { node, quote } = await quoted();
    const err = await refused(buyerApi.jobs.submit(pythonJob(node.nodeId)), "payment_required");
    expect(err.details).toMatchObject({
      requirements: quote.accepts[0],
      accepts: quote.accepts,
      reason: "payment_required",
    });
    await nothingWritten();
  });

  it("the same authorization sent again returns the same job, even concurrently; paid once", async () => {
    const { node, requirements } = await quoted();
    const payment = await signPayment(buyer, requirements);
    const sellerBefore = await chain.balance(node.seller.address);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const again = await buyerApi.jobs.submit({ ...pythonJob(node.nodeId), payment });
    expect(again.id).toBe(results[0]!.id);
    expect(await counts()).toEqual({ jobs: before.jobs + 1, payments: before.payments + 1 });
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
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

  it("auth-capture: terms other than ours (deadline too close, another operator, other fees), a nonce not derived from them, no balance", async () => {
    const { node, quote } = await quoted();
    const ours = offer(quote, "auth-capture");
    const submit = (payment: unknown, api = buyerApi) =>
      api.jobs.submit({ ...pythonJob(node.nodeId), payment: payment as string });
    const now = Math.floor(Date.now() / 1000);
    const tamper = (extra: Record<string, unknown>) => ({ ...ours, extra: { ...ours.extra, ...extra } });
    await refused(
      submit(await signAuthCapture(buyer, tamper({ captureDeadline: now + 310, refundDeadline: now + 310 }))),
      "valid_before_too_soon",
    );
    await refused(
      submit(await signAuthCapture(buyer, tamper({ captureAuthorizer: anvilWallet(7).address }))),
      "operator_mismatch",
    );
    await refused(
      submit(
        await signAuthCapture(buyer, tamper({ minFeeBps: 100, maxFeeBps: 100, feeRecipient: anvilWallet(7).address })),
      ),
      "fee_mismatch",
    );
    await refused(
      submit(await signAuthCapture(buyer, tamper({ refundDeadline: (ours.extra.captureDeadline as number) + 86_400 }))),
      "deadline_invalid",
    );
    const good = await signAuthCapture(buyer, ours);
    const salted = { ...good, payload: { ...(good.payload as object), salt: `0x${"ab".repeat(32)}` } };
    await refused(submit(salted), "nonce_mismatch");
    const poor = anvilWallet(9);
    const poorApi = await signedInCaller(deps, poor);
    const err = await refused(submit(await signAuthCapture(poor, ours), poorApi), "insufficient_balance");
    expect(err.message).toMatch(/holds up to 0\.06 in escrow/);
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
