import type { PaymentRequirements } from "@x402/core/types";
import { AuthCaptureEvmScheme } from "@x402/evm/auth-capture/client";
import { getAddress, isAddressEqual, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { anvilAccount } from "../../dev/chain/accounts";
import { toFunctionSignature, toEventSignature, type AbiParameter } from "viem";
import {
  authCaptureEscrowAbi as ourEscrowArtifactAbi,
  erc3009PaymentCollectorAbi as ourCollectorArtifactAbi,
  operatorRefundCollectorAbi as ourRefundCollectorArtifactAbi,
} from "../../dev/chain/artifacts";
import {
  AUTH_CAPTURE_DEPLOYMENT,
  authCaptureEscrowAbi,
  erc3009PaymentCollectorAbi,
  tokenCollectorAbi,
} from "./contracts";
import {
  fromStoredPaymentInfo,
  payerAgnosticNonce,
  paymentInfoFromAuthCapture,
  paymentInfoHash,
  PAYMENT_INFO_TYPEHASH,
  toStoredPaymentInfo,
  type AuthCaptureExtra,
} from "./payment-info";

const buyer = privateKeyToAccount(anvilAccount(1).privateKey);
const now = Math.floor(Date.now() / 1000);

function requirements(extra: Partial<AuthCaptureExtra> & Record<string, unknown> = {}): PaymentRequirements {
  return {
    scheme: "auth-capture",
    network: "eip155:8453",
    amount: "60000",
    asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    payTo: anvilAccount(2).address,
    maxTimeoutSeconds: 60,
    extra: {
      name: "USD Coin",
      version: "2",
      captureAuthorizer: anvilAccount(0).address,
      operatorType: "delegated",
      paymentFlow: "escrow",
      captureDeadline: now + 3600,
      refundDeadline: now + 7200,
      minFeeBps: 0,
      maxFeeBps: 0,
      feeRecipient: zeroAddress,
      assetTransferMethod: "eip3009",
      ...extra,
    },
  };
}

interface SignedAuthCapture {
  authorization: { from: string; to: string; value: string; validAfter: string; validBefore: string; nonce: Hex };
  signature: Hex;
  salt: Hex;
}

async function signWithStockClient(req: PaymentRequirements): Promise<SignedAuthCapture> {
  const result = await new AuthCaptureEvmScheme(buyer).createPaymentPayload(2, req);
  return result.payload as unknown as SignedAuthCapture;
}

describe("the canonical deployment pinned against the installed @x402/evm client", () => {
  it("the stock client's default (no extra.authCaptureEscrow) signs for our escrow and EIP-3009 collector", async () => {
    const req = requirements();
    const payload = await signWithStockClient(req);
    expect(getAddress(payload.authorization.to)).toBe(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector);
    const info = paymentInfoFromAuthCapture({
      requirements: req as unknown as Parameters<typeof paymentInfoFromAuthCapture>[0]["requirements"],
      payer: payload.authorization.from,
      validBefore: payload.authorization.validBefore,
      salt: payload.salt,
    });
    // The nonce commits to the escrow address: equal nonces mean the client signs for our escrow constant.
    expect(payload.authorization.nonce).toBe(payerAgnosticNonce(8453, AUTH_CAPTURE_DEPLOYMENT.escrow, info));
    expect(payload.authorization.value).toBe(req.amount);
    expect(payload.authorization.validAfter).toBe("0");
    expect(info.preApprovalExpiry).toBeGreaterThanOrEqual(now + req.maxTimeoutSeconds);
  });

  it("the stock client accepts our escrow named explicitly and then signs the same collector", async () => {
    const payload = await signWithStockClient(requirements({ authCaptureEscrow: AUTH_CAPTURE_DEPLOYMENT.escrow }));
    expect(getAddress(payload.authorization.to)).toBe(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector);
  });

  it("the installed client's own constants hold exactly our v1.1 addresses", async () => {
    // The constants are not exported; read the shipped chunk that defines them.
    const { readFileSync, readdirSync } = await import("node:fs");
    const { dirname, join } = await import("node:path");
    const { createRequire } = await import("node:module");
    // require.resolve gives the CommonJS entry (dist/cjs/index.js); the ESM chunks sit beside it.
    const dist = join(dirname(createRequire(import.meta.url).resolve("@x402/evm")), "..", "esm");
    const chunk = readdirSync(dist)
      .filter((f) => f.endsWith(".mjs"))
      .map((f) => readFileSync(join(dist, f), "utf8"))
      .find((text) => text.includes("AUTH_CAPTURE_ESCROW_V1_1_ADDRESS ="));
    expect(chunk, "the @x402/evm chunk with the auth-capture constants").toBeDefined();
    const constant = (name: string) => new RegExp(`var ${name} = "(0x[0-9a-fA-F]{40})"`).exec(chunk ?? "")?.[1];
    expect(constant("AUTH_CAPTURE_ESCROW_V1_1_ADDRESS")).toBe(AUTH_CAPTURE_DEPLOYMENT.escrow);
    expect(constant("EIP3009_TOKEN_COLLECTOR_V1_1_ADDRESS")).toBe(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector);
    expect(constant("PERMIT2_TOKEN_COLLECTOR_V1_1_ADDRESS")).toBe(AUTH_CAPTURE_DEPLOYMENT.permit2Collector);
    expect(constant("OPERATOR_REFUND_COLLECTOR_V1_1_ADDRESS")).toBe(AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector);
    expect(chunk).toMatch(/AUTH_CAPTURE_ESCROW_ADDRESS = AUTH_CAPTURE_ESCROW_V1_1_ADDRESS/);
  });
});

describe("PaymentInfo hashing", () => {
  const info = {
    operator: anvilAccount(0).address,
    payer: buyer.address,
    receiver: anvilAccount(2).address,
    token: getAddress("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
    maxAmount: 60_000n,
    preApprovalExpiry: now + 60,
    authorizationExpiry: now + 3600,
    refundExpiry: now + 7200,
    minFeeBps: 100,
    maxFeeBps: 100,
    feeReceiver: anvilAccount(3).address,
    salt: 0xabcn,
  };

  it("uses the escrow's type string", () => {
    expect(PAYMENT_INFO_TYPEHASH).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("binds chain, escrow and every field; the nonce ignores only the payer", () => {
    const h = paymentInfoHash(8453, AUTH_CAPTURE_DEPLOYMENT.escrow, info);
    expect(paymentInfoHash(84532, AUTH_CAPTURE_DEPLOYMENT.escrow, info)).not.toBe(h);
    expect(paymentInfoHash(8453, anvilAccount(5).address, info)).not.toBe(h);
    for (const key of Object.keys(info) as (keyof typeof info)[]) {
      const v = info[key];
      const changed = typeof v === "bigint" ? v + 1n : typeof v === "number" ? v + 1 : anvilAccount(7).address;
      expect(paymentInfoHash(8453, AUTH_CAPTURE_DEPLOYMENT.escrow, { ...info, [key]: changed }), key).not.toBe(h);
    }
    const nonce = payerAgnosticNonce(8453, AUTH_CAPTURE_DEPLOYMENT.escrow, info);
    expect(nonce).not.toBe(h);
    expect(payerAgnosticNonce(8453, AUTH_CAPTURE_DEPLOYMENT.escrow, { ...info, payer: anvilAccount(9).address })).toBe(
      nonce,
    );
    expect(isAddressEqual(info.payer, buyer.address)).toBe(true);
  });

  it("round-trips through the stored form and rejects malformed stored values", () => {
    const stored = toStoredPaymentInfo(info);
    expect(stored.salt).toBe(`0x${"0".repeat(61)}abc`);
    expect(fromStoredPaymentInfo(JSON.parse(JSON.stringify(stored)))).toEqual(info);
    expect(() => fromStoredPaymentInfo({ ...stored, maxAmount: "-1" })).toThrow();
    expect(() => fromStoredPaymentInfo({ ...stored, maxAmount: (1n << 120n).toString() })).toThrow();
    expect(() => fromStoredPaymentInfo({ ...stored, salt: "0x1" })).toThrow();
    expect(() => fromStoredPaymentInfo({ ...stored, maxFeeBps: 10_001 })).toThrow();
    expect(() => fromStoredPaymentInfo({ ...stored, payer: "nope" })).toThrow();
  });
});

describe("our Solidity implements the canonical v1.1 interface", () => {
  type Item = {
    type: string;
    name?: string;
    inputs?: readonly AbiParameter[];
    outputs?: readonly AbiParameter[];
    anonymous?: boolean;
  };
  /** Signatures with the indexed flags and return types, so a mismatch in either shows up. */
  const signatures = (abi: readonly unknown[]) =>
    new Set(
      (abi as readonly Item[])
        .filter((i) => i.type === "function" || i.type === "event" || i.type === "error")
        .map((i) => {
          if (i.type === "function") {
            return `${toFunctionSignature(i as Parameters<typeof toFunctionSignature>[0])} -> ${(i.outputs ?? []).map((o) => o.type).join(",")}`;
          }
          if (i.type === "event") {
            const indexed = (i.inputs ?? []).map((p) => ("indexed" in p && p.indexed ? "i" : "-")).join("");
            return `event ${toEventSignature(i as Parameters<typeof toEventSignature>[0])} ${indexed}`;
          }
          return `error ${i.name}(${(i.inputs ?? []).map((p) => p.type).join(",")})`;
        }),
    );

  it.each([
    ["AuthCaptureEscrow", authCaptureEscrowAbi, ourEscrowArtifactAbi],
    ["ERC3009PaymentCollector", erc3009PaymentCollectorAbi, ourCollectorArtifactAbi],
    ["OperatorRefundCollector", tokenCollectorAbi, ourRefundCollectorArtifactAbi],
  ] as const)(
    "%s: every function, event and error of the ABI we call is in the compiled contract",
    (_, canonical, ours) => {
      const compiled = signatures(ours);
      expect(signatures(canonical).size).toBeGreaterThanOrEqual(4);
      const missing = [...signatures(canonical)].filter((sig) => !compiled.has(sig));
      expect(missing).toEqual([]);
    },
  );
});
