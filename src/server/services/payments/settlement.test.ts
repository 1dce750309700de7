/**
 * Settlement after delivery on a real chain: voided payments never move money, a
 * sender that dies after sending is recorded (not paid again) after a restart, an
 * unreachable RPC is retried with backoff, failures no retry can fix are left for
 * admins, and the worker settles within milliseconds of a job's completion.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentRequirements } from "@x402/core/types";
import { createWalletClient, http, type LocalAccount } from "viem";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { anvilWallet, authorizationOf, signPayment, startTestChain, type TestChain } from "@/test/chain";
import { eventually, onlineNode, pythonJob, runNextJob, signedInCaller, type Caller } from "@/test/market";
import { startRpcProxy } from "@/test/rpc-proxy";
import { createChainService, getChain, setChainForTesting, type ChainService } from "../../payments/chain-service";
import { testUsdcAbi } from "../../payments/chain/artifacts";
import { localViemChain } from "../../payments/chain/local-chain";
import { submitJob } from "./submit";
import { CLAIM_LEASE_MS, settleJobPayment, settlePayment, settlementPass } from "./settlement";
import { startSettlementWorker } from "./settlement-worker";

let chain: TestChain;
let deps: TestDeps;
let realChain: ChainService;
let buyer: LocalAccount;
let buyerApi: Caller;
const admin = anvilWallet(4);

beforeAll(async () => {
  chain = await startTestChain();
  deps = await createTestDeps({ RPC_URL: chain.rpcUrl, ADMIN_ADDRESSES: admin.address, SETTLEMENT_INTERVAL_MS: "50" });
  realChain = await getChain(deps);
  buyer = anvilWallet(1);
  buyerApi = await signedInCaller(deps, buyer);
});
afterAll(async () => {
  await deps?.cleanup();
  await chain?.stop();
});

/** A priced node (0.06 USDC per 60 s job) and a paid, queued job on it. */
async function paidJob(payer: LocalAccount = buyer) {
  const node = await onlineNode(deps, "3.60");
  const quote = await buyerApi.jobs.quote({ nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
  const payment = await signPayment(payer, quote.requirements as PaymentRequirements);
  const { job } = await submitJob(deps, payer.address, pythonJob(node.nodeId), payment);
  const row = () => deps.prisma.payment.findUniqueOrThrow({ where: { jobId: job.id } });
  return { node, job, payment, nonce: authorizationOf(payment).nonce, row, paymentId: (await row()).id };
}

describe("voided: the buyer pays nothing", () => {
  it("a node_error job is voided and never settled", async () => {
    const { node, job, nonce, row } = await paidJob();
    const sellerBefore = await chain.balance(node.seller.address);
    await runNextJob(node.agent, { nodeError: "sandbox failed to start" });
    expect(await settleJobPayment(deps, job.id)).toBe("voided");
    await settlementPass(deps);
    expect(await row()).toMatchObject({ status: "voided", txHash: null, settlementAttempts: 0 });
    expect(await chain.authorizationUsed(buyer.address, nonce)).toBe(false);
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore);
    expect((await buyerApi.jobs.get({ id: job.id })).payment?.status).toBe("voided");
  });

  it("a job cancelled before it started is voided by the sweep", async () => {
    const { job, nonce, row } = await paidJob();
    await buyerApi.jobs.cancel({ id: job.id });
    expect((await settlementPass(deps)).voided).toBeGreaterThanOrEqual(1);
    expect((await row()).status).toBe("voided");
    expect(await chain.authorizationUsed(buyer.address, nonce)).toBe(false);
  });

  it("job_error and timed_out jobs are billable and settle", async () => {
    const a = await paidJob();
    await runNextJob(a.node.agent, { exitCode: 3 });
    const b = await paidJob();
    const { job: claimed } = await b.node.agent.agent.claim({ waitSeconds: 0 });
    await b.node.agent.agent.complete({
      jobId: claimed!.id,
      exitCode: null,
      output: "",
      durationMs: 60_000,
      timedOut: true,
    });
    expect(await settleJobPayment(deps, a.job.id)).toBe("confirmed");
    expect(await settleJobPayment(deps, b.job.id)).toBe("confirmed");
    expect((await a.row()).status).toBe("confirmed");
    expect((await b.row()).status).toBe("confirmed");
  });

  it("a queued or running job is not settled yet", async () => {
    const { job, row } = await paidJob();
    expect(await settleJobPayment(deps, job.id)).toBe("skipped");
    expect((await row()).status).toBe("pending");
  });
});

describe("idempotent settlement", () => {
  it("a worker killed after sending (record not written) settles exactly once after a restart", async () => {
    const { node, job, paymentId, row } = await paidJob();
    await runNextJob(node.agent);
    const sellerBefore = await chain.balance(node.seller.address);

    // The process sends the transfer, then dies before recording anything.
    let sent: string | undefined;
    const dying: ChainService = {
      ...realChain,
      facilitator: {
        ...realChain.facilitator,
        settle: async (payload, requirements) => {
          sent = (await realChain.facilitator.settle(payload, requirements)).transaction;
          return new Promise<never>(() => {});
        },
      },
    };
    setChainForTesting(deps, dying);
    void settlePayment(deps, paymentId);
    const tx = await eventually(async () => sent);
    expect(await row()).toMatchObject({ status: "settling", txHash: null, settlementAttempts: 1 });

    // A new process: its own chain service; the dead one's claim holds for the lease.
    setChainForTesting(deps, await createChainService(deps.env));
    expect(await settlementPass(deps)).toMatchObject({ confirmed: 0, recovered: 0 });
    deps.clock.advance(CLAIM_LEASE_MS + 1_000);
    expect(await settlementPass(deps)).toMatchObject({ confirmed: 0, recovered: 1 });

    expect(await row()).toMatchObject({ status: "confirmed", txHash: tx, settlementAttempts: 2 });
    expect((await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).paymentTxHash).toBe(tx);
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
    // Nothing left to do, however often it runs.
    deps.clock.advance(CLAIM_LEASE_MS + 1_000);
    expect(await settlePayment(deps, paymentId)).toBe("skipped");
    expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
    setChainForTesting(deps, realChain);
  });

  it("the chain's RPC down: settlement retries with backoff and succeeds once it is back", async () => {
    const proxy = await startRpcProxy(chain.rpcUrl);
    try {
      setChainForTesting(deps, await createChainService({ ...deps.env, RPC_URL: proxy.url }));
      const { node, paymentId, row } = await paidJob();
      await runNextJob(node.agent);
      const sellerBefore = await chain.balance(node.seller.address);

      await proxy.down();
      expect(await settlePayment(deps, paymentId)).toBe("retry");
      const first = await row();
      expect(first).toMatchObject({ status: "settling", settlementAttempts: 1, txHash: null });
      expect(first.lastError).toMatch(/chain error|unreachable|fetch failed|HTTP request failed/i);
      const wait1 = first.nextAttemptAt!.getTime() - deps.clock.now().getTime();
      expect(wait1).toBeGreaterThan(0);
      expect(await settlePayment(deps, paymentId)).toBe("skipped"); // not due yet

      deps.clock.advance(wait1 + 1);
      expect(await settlePayment(deps, paymentId)).toBe("retry");
      const second = await row();
      expect(second.settlementAttempts).toBe(2);
      expect(second.nextAttemptAt!.getTime() - deps.clock.now().getTime()).toBeGreaterThan(wait1);

      // Submissions meanwhile get a 503, not a misleading "bad signature".
      const other = await onlineNode(deps, "3.60");
      const quote = await buyerApi.jobs.quote({ nodeId: other.nodeId, jobType: "python", maxDurationSeconds: 60 });
      const payment = await signPayment(buyer, quote.requirements as PaymentRequirements);
      await expect(buyerApi.jobs.submit({ ...pythonJob(other.nodeId), payment })).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
      });

      await proxy.up();
      deps.clock.advance(60_000);
      expect((await settlementPass(deps)).confirmed).toBe(1);
      expect(await row()).toMatchObject({ status: "confirmed", settlementAttempts: 3, lastError: null });
      expect(await chain.balance(node.seller.address)).toBe(sellerBefore + 60_000n);
    } finally {
      setChainForTesting(deps, realChain);
      await proxy.close();
    }
  });
});

describe("failures for admins", () => {
  it("a payer who emptied the wallet: failed, visible to admins, retried by an admin once funded", async () => {
    const payer = anvilWallet(6);
    await chain.mint(payer.address, 60_000n - (await chain.balance(payer.address)));
    const { node, paymentId, row, job } = await paidJob(payer);
    const wallet = createWalletClient({
      chain: localViemChain(chain.rpcUrl),
      transport: http(chain.rpcUrl),
      account: payer,
    });
    const hash = await wallet.writeContract({
      address: chain.usdc,
      abi: testUsdcAbi,
      functionName: "transfer",
      args: [anvilWallet(7).address, 60_000n],
    });
    await chain.client.waitForTransactionReceipt({ hash });
    await runNextJob(node.agent);

    expect(await settleJobPayment(deps, job.id)).toBe("failed");
    expect(await row()).toMatchObject({ status: "failed", nextAttemptAt: null });
    expect((await row()).lastError).toContain("insufficient_balance");

    const adminApi = await signedInCaller(deps, admin);
    const failed = await adminApi.admin.payments({ status: "failed" });
    expect(failed.items).toMatchObject([
      { id: paymentId, status: "failed", lastError: expect.stringContaining("insufficient_balance") },
    ]);
    expect(failed.totals).toMatchObject({
      count: 1,
      amountUsdc: "0.06",
      byStatus: { failed: { count: 1, amountUsdc: "0.06" } },
    });
    const all = await adminApi.admin.payments({ limit: 100 });
    expect(all.totals.count).toBe(await deps.prisma.payment.count());
    expect((await adminApi.admin.payments({ address: payer.address })).items.map((p) => p.id)).toEqual([paymentId]);
    expect((await adminApi.admin.payments({ from: new Date(Date.now() + 3_600_000) })).totals.count).toBe(0);
    await expect(buyerApi.admin.payments({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    // A buyer's own list never shows settlement errors.
    expect((await (await signedInCaller(deps, payer)).payments.list({ role: "buyer" })).items[0]).toMatchObject({
      status: "failed",
      lastError: null,
    });

    await chain.mint(payer.address, 60_000n);
    expect(await adminApi.admin.retrySettlement({ paymentId })).toMatchObject({ status: "pending" });
    const audit = await deps.prisma.adminAuditLog.findFirstOrThrow({
      where: { action: "retry_settlement", targetId: paymentId },
    });
    expect(audit).toMatchObject({ adminAddress: admin.address, targetType: "payment" });
    expect(await settleJobPayment(deps, job.id)).toBe("confirmed");
    await expect(adminApi.admin.retrySettlement({ paymentId })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("an authorization that expired before settlement is failed, not retried", async () => {
    const { node, job, row } = await paidJob();
    await runNextJob(node.agent);
    const jump = (60 + deps.env.SETTLEMENT_WINDOW_SECONDS + 10) * 1000;
    deps.clock.advance(jump);
    try {
      expect(await settleJobPayment(deps, job.id)).toBe("failed");
      expect((await row()).lastError).toMatch(/expired/);
    } finally {
      deps.clock.advance(-jump);
    }
  });
});

describe("the settlement worker", () => {
  it("settles within milliseconds of the job's completion (Redis nudge)", async () => {
    const stop = startSettlementWorker(deps);
    try {
      await new Promise((r) => setTimeout(r, 120)); // the first tick takes the lease
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { node, row } = await paidJob();
        const { job: claimed } = await node.agent.agent.claim({ waitSeconds: 0 });
        const started = performance.now();
        await node.agent.agent.complete({ jobId: claimed!.id, exitCode: 0, output: "ok", durationMs: 1 });
        await eventually(async () => (await row()).status === "confirmed", 5_000, 1);
        latencies.push(performance.now() - started);
        expect((await row()).settlementAttempts).toBe(1);
      }
      latencies.sort((a, b) => a - b);
      console.info(
        `settlement after completion (incl. the agent's complete call): ${latencies.map((l) => l.toFixed(0)).join(", ")} ms`,
      );
      expect(latencies[2]).toBeLessThan(1_000);
    } finally {
      await stop();
    }
  });
});
