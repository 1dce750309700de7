/**
 * The job-submission limit (RATE_LIMIT_JOB_SUBMIT_PER_MIN, here 2 per minute) is
 * spent only by submissions that create a job: quotes and unpaid 402 answers (no
 * payment header, an undecodable or expired one) never use it up, on either door.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { anvilWallet, encodeHeader, signPayment, signPaymentWith, startTestChain, type TestChain } from "@/test/chain";
import { callerFor } from "@/test/caller";
import { siweSignIn } from "@/test/factories";
import { onlineNode, pythonJob } from "@/test/market";
import type { PrivateKeyAccount } from "viem/accounts";

let chain: TestChain;
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  chain = await startTestChain();
  deps = await createTestDeps({
    RPC_URL: chain.rpcUrl,
    RATE_LIMIT_ENABLED: "true",
    RATE_LIMIT_JOB_SUBMIT_PER_MIN: "2",
    RATE_LIMIT_REGISTER_PER_MIN: "100",
  });
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

describe("the job-submission rate limit", () => {
  it("x402 door: unpaid, undecodable and expired payments answer 402 without spending it; paid and free jobs do", async () => {
    const priced = await onlineNode(deps, "3.60");
    const free = await onlineNode(deps, "0");
    const { caller } = await callerFor(deps);
    for (let i = 0; i < 3; i++) {
      await caller.jobs.quote(pythonJob(priced.nodeId)); // quote only
      expect((await post(pythonJob(priced.nodeId))).status).toBe(402);
    }
    const garbage = await post(pythonJob(priced.nodeId), { "PAYMENT-SIGNATURE": "%%% not base64 %%%" });
    expect(garbage.status).toBe(402);
    const required = decodePaymentRequiredHeader(
      (await post(pythonJob(priced.nodeId))).headers.get("payment-required")!,
    );
    const exact = required.accepts.find((a) => a.scheme === "exact") as PaymentRequirements;
    const expired = await signPaymentWith(anvilWallet(1), exact, {
      validBefore: String(Math.floor(Date.now() / 1000) - 5),
    });
    expect((await post(pythonJob(priced.nodeId), { "PAYMENT-SIGNATURE": encodeHeader(expired) })).status).toBe(402);

    // The whole budget is still there: one paid job and one free job.
    const paid = await post(pythonJob(priced.nodeId), {
      "PAYMENT-SIGNATURE": encodeHeader(await signPayment(anvilWallet(1), exact)),
    });
    expect(paid.status).toBe(201);
    expect((await post(pythonJob(free.nodeId))).status).toBe(201);

    // Now it is spent: a third job is a 429 with Retry-After, and writes nothing.
    const jobs = await deps.prisma.job.count();
    const over = await post(pythonJob(free.nodeId));
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await over.json()).error).toMatchObject({ reason: "rate_limited" });
    expect(await deps.prisma.job.count()).toBe(jobs);
    // An unpaid request still gets its 402 (the price), not a 429.
    expect((await post(pythonJob(priced.nodeId))).status).toBe(402);
  });

  it("tRPC jobs.submit: a 402 leaves the budget; created jobs spend it, then TOO_MANY_REQUESTS with Retry-After", async () => {
    const priced = await onlineNode(deps, "3.60");
    const free = await onlineNode(deps, "0");
    const ip = "10.1.2.3";
    const buyer = anvilWallet(2) as PrivateKeyAccount;
    const { caller: anon, resHeaders } = await callerFor(deps, { ip });
    const { nonce } = await anon.auth.nonce();
    await anon.auth.signIn(await siweSignIn(buyer, nonce));
    const cookie = resHeaders.get("set-cookie")!.split(";")[0]!;
    const api = async () => callerFor(deps, { ip, headers: { cookie } });

    for (let i = 0; i < 3; i++) {
      const { caller } = await api();
      await expect(caller.jobs.submit(pythonJob(priced.nodeId))).rejects.toMatchObject({ code: "PAYMENT_REQUIRED" });
    }
    for (let i = 0; i < 2; i++) {
      const { caller } = await api();
      expect((await caller.jobs.submit(pythonJob(free.nodeId))).status).toBe("queued");
    }
    const { caller, resHeaders: res } = await api();
    await expect(caller.jobs.submit(pythonJob(free.nodeId))).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(Number(res.get("retry-after"))).toBeGreaterThan(0);
    // Still a 402 for an unpaid priced job: the buyer learns the price and can pay once the minute is up.
    await expect((await api()).caller.jobs.submit(pythonJob(priced.nodeId))).rejects.toMatchObject({
      code: "PAYMENT_REQUIRED",
    });
  });
});
