/**
 * POST /api/x402/jobs as a plain x402 resource, over a real socket: a stock
 * @x402/fetch client that only speaks "exact" (wrapFetchWithPayment + x402Client +
 * ExactEvmScheme) buys a job with no code of ours, paid at submission, then reads it
 * with the bearer token it got back. (The auth-capture client: escrow-payments.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { anvilWallet, encodeHeader, signPaymentWith, startTestChain, type TestChain } from "@/test/chain";
import { onlineNode, pythonJob, runNextJob } from "@/test/market";

const PUBLIC = "https://market.example";
let chain: TestChain;
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  chain = await startTestChain();
  // Links name the public URL, never the address the request reached (a proxy, 0.0.0.0).
  deps = await createTestDeps({ RPC_URL: chain.rpcUrl, SETTLEMENT_INTERVAL_MS: "50", PUBLIC_URL: PUBLIC });
  server = await startTestServer(deps);
});
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
  await chain?.stop();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/x402/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("POST /api/x402/jobs", () => {
  it("unpaid: 402 with PAYMENT-REQUIRED (x402 v2, base64 JSON)", async () => {
    const node = await onlineNode(deps, "3.60");
    const res = await post(pythonJob(node.nodeId));
    expect(res.status).toBe(402);
    const required = decodePaymentRequiredHeader(res.headers.get("payment-required")!);
    expect(required).toMatchObject({
      x402Version: 2,
      error: "payment_required",
      resource: { url: `${PUBLIC}/api/x402/jobs` },
      accepts: [
        { scheme: "auth-capture", amount: "60000", payTo: node.seller.address },
        { scheme: "exact", network: "eip155:31337", asset: chain.usdc, amount: "60000", payTo: node.seller.address },
      ],
    });
    expect(await res.json()).toMatchObject({ reason: "payment_required", accepts: required.accepts });
    expect(await deps.prisma.job.count()).toBe(0);
  });

  it("a stock exact-only @x402/fetch client buys a job, paid at submission, and reads its status and output", async () => {
    {
      const node = await onlineNode(deps, "3.60");
      const wallet = anvilWallet(3);
      await chain.mint(wallet.address, 1_000_000n);
      const client = new x402Client().register("eip155:*", new ExactEvmScheme(wallet));
      client.setSpendControls({ allowedAssets: [{ network: "eip155:31337", asset: chain.usdc }] });
      const payingFetch = wrapFetchWithPayment(fetch, client);

      const res = await payingFetch(`${server.url}/api/x402/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(pythonJob(node.nodeId)),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { jobId: string; statusUrl: string; accessToken: string };
      expect(created).toMatchObject({
        statusUrl: `${PUBLIC}/api/x402/jobs/${created.jobId}`,
        status: "queued",
        payer: wallet.address,
      });
      expect(decodePaymentResponseHeader(res.headers.get("payment-response")!)).toMatchObject({
        success: true,
        payer: wallet.address,
        network: "eip155:31337",
        extra: { scheme: "exact", status: "captured", settlement: "at_submission", jobId: created.jobId },
      });
      const job = await deps.prisma.job.findUniqueOrThrow({ where: { id: created.jobId }, include: { payment: true } });
      expect(job.buyerAddress).toBe(wallet.address);
      expect(job.accessTokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(job.accessTokenHash).not.toContain(created.accessToken);

      const read = (token = created.accessToken) =>
        fetch(`${server.url}/api/x402/jobs/${created.jobId}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      expect(await (await read()).json()).toMatchObject({
        id: created.jobId,
        status: "queued",
        output: null,
        logs: [],
      });
      expect((await read("csj_wrong")).status).toBe(404);
      expect((await read("")).status).toBe(401);

      // Paid before the job ran.
      expect(await chain.balance(node.seller.address)).toBe(60_000n);
      await runNextJob(node.agent);
      expect(await (await read()).json()).toMatchObject({
        status: "completed",
        output: "result\n",
        payment: { scheme: "exact", status: "captured", capturedUsdc: "0.06" },
      });
      expect(await chain.balance(node.seller.address)).toBe(60_000n);
    }
  });

  it("a bad PAYMENT-SIGNATURE is a 402 with the reason, and writes nothing", async () => {
    const node = await onlineNode(deps, "3.60");
    const before = await deps.prisma.job.count();
    const garbage = await post(pythonJob(node.nodeId), { "PAYMENT-SIGNATURE": "%%% not base64 %%%" });
    expect(garbage.status).toBe(402);
    expect(decodePaymentRequiredHeader(garbage.headers.get("payment-required")!).error).toBe("invalid_payload");

    const quote = decodePaymentRequiredHeader((await post(pythonJob(node.nodeId))).headers.get("payment-required")!)
      .accepts[1]!;
    const expired = await signPaymentWith(anvilWallet(1), quote, {
      validBefore: String(Math.floor(Date.now() / 1000) - 5),
    });
    const res = await post(pythonJob(node.nodeId), { "PAYMENT-SIGNATURE": encodeHeader(expired) });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ reason: "expired", message: expect.stringContaining("expired") });
    expect(await deps.prisma.job.count()).toBe(before);
  });

  it("a free node needs no payment", async () => {
    const node = await onlineNode(deps, "0");
    const res = await post(pythonJob(node.nodeId));
    expect(res.status).toBe(201);
    expect(res.headers.get("payment-response")).toBeNull();
    expect(await res.json()).toMatchObject({ status: "queued", payer: null, amountUsd: "0" });
  });

  it("bad input is a 400 with a message, before any payment talk", async () => {
    const res = await post({ nodeId: "nope", jobType: "python", script: "", maxDurationSeconds: 0 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { reason: "invalid_input" } });
  });
});
