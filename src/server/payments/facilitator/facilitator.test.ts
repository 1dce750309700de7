/**
 * One facilitator interface, two implementations, the same behaviour: in-process
 * (x402Facilitator + our relayer) and remote (FACILITATOR_URL, @x402/core's
 * HTTPFacilitatorClient) against a small facilitator HTTP server wrapping the former.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentRequirements } from "@x402/core/types";
import { anvilWallet, signPayment, startTestChain, type TestChain } from "@/test/chain";
import { startFacilitatorServer } from "@/test/facilitator-server";
import { createTestDeps } from "@/test/test-deps";
import { onlineNode, pythonJob, runNextJob } from "@/test/market";
import { submitJob } from "../../services/payments/submit";
import { quoteJob } from "../../services/payments/quote";
import { offer } from "@/test/escrow-payments";
import { createChainService, type ChainService } from "../chain-service";
import { buildRequirements } from "../requirements";
import { createRemoteFacilitator } from "./remote";
import { FacilitatorUnavailableError, type Facilitator } from "./types";

let chain: TestChain;
let inProcess: ChainService;
let server: Awaited<ReturnType<typeof startFacilitatorServer>>;
let remote: ChainService;
const seller = anvilWallet(2).address;

beforeAll(async () => {
  chain = await startTestChain();
  const env = {
    CHAIN: "local" as const,
    RPC_URL: chain.rpcUrl,
    RELAYER_PRIVATE_KEY: undefined,
    FACILITATOR_URL: undefined,
    USDC_DOMAIN_NAME: undefined,
  };
  inProcess = await createChainService(env);
  server = await startFacilitatorServer(inProcess.facilitator, inProcess.network.caip2);
  remote = await createChainService({ ...env, FACILITATOR_URL: server.url });
});
afterAll(async () => {
  await server?.close();
  await chain?.stop();
});

const requirements = (amount = 25_000n): PaymentRequirements =>
  buildRequirements(inProcess.network, { payTo: seller, amountAtomic: amount, maxTimeoutSeconds: 600 });

describe.each([
  ["in-process", () => inProcess.facilitator],
  ["remote", () => remote.facilitator],
])("%s facilitator", (kind, facilitatorOf: () => Facilitator) => {
  it("is the kind configured", () => {
    expect(facilitatorOf().kind).toBe(kind);
  });

  it("verifies a good payment and refuses a bad one with the facilitator's reason", async () => {
    const f = facilitatorOf();
    const req = requirements();
    const good = await signPayment(anvilWallet(1), req);
    expect(await f.verify(good, req)).toMatchObject({ isValid: true, payer: anvilWallet(1).address });
    const low = await signPayment(anvilWallet(1), requirements(1n));
    expect(await f.verify({ ...low, accepted: req }, req)).toMatchObject({
      isValid: false,
      invalidReason: "invalid_exact_evm_payload_authorization_value_mismatch",
    });
  });

  it("settles once on chain; the same authorization again is refused", async () => {
    const f = facilitatorOf();
    const req = requirements();
    const payment = await signPayment(anvilWallet(1), req);
    const before = await chain.balance(seller);
    const settled = await f.settle(payment, req);
    expect(settled).toMatchObject({ success: true, network: "eip155:31337", payer: anvilWallet(1).address });
    expect(settled.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chain.balance(seller)).toBe(before + 25_000n);
    expect(await f.settle(payment, req)).toMatchObject({
      success: false,
      errorReason: "invalid_exact_evm_nonce_already_used",
    });
    expect(await chain.balance(seller)).toBe(before + 25_000n);
  });
});

describe("remote facilitator", () => {
  it("went through the HTTP API", () => {
    expect(server.calls.verify).toBeGreaterThanOrEqual(2);
    expect(server.calls.settle).toBeGreaterThanOrEqual(2);
  });

  it("the marketplace with FACILITATOR_URL verifies and settles an exact payment through it, at submission", async () => {
    const deps = await createTestDeps({ RPC_URL: chain.rpcUrl, FACILITATOR_URL: server.url });
    try {
      const calls = { ...server.calls };
      const node = await onlineNode(deps, "3.60");
      const quote = await quoteJob(deps, { nodeId: node.nodeId, jobType: "python", maxDurationSeconds: 60 });
      const payment = await signPayment(anvilWallet(1), offer(quote, "exact"));
      const { job } = await submitJob(deps, anvilWallet(1).address, pythonJob(node.nodeId), payment);
      expect(server.calls.verify).toBe(calls.verify + 1);
      expect(server.calls.settle).toBe(calls.settle + 1);
      expect(job.payment).toMatchObject({ status: "captured", scheme: "exact" });
      expect(await chain.balance(node.seller.address)).toBe(60_000n);
      await runNextJob(node.agent);
      expect(server.calls.settle).toBe(calls.settle + 1);
    } finally {
      await deps.cleanup();
    }
  });

  it("an unreachable facilitator is an outage (retry later), not a refusal", async () => {
    const dead = createRemoteFacilitator("http://127.0.0.1:9", { timeoutMs: 2_000 });
    const req = requirements();
    const payment = await signPayment(anvilWallet(1), req);
    await expect(dead.verify(payment, req)).rejects.toBeInstanceOf(FacilitatorUnavailableError);
    await expect(dead.settle(payment, req)).rejects.toBeInstanceOf(FacilitatorUnavailableError);
  });
});
