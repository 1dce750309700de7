/**
 * Our auth-capture escrow and EIP-3009 collector on a real anvil, at the canonical addresses,
 * driven through escrow-ops (the operator is the relayer, anvil account 0). Every rule is
 * violated once; balances are read on chain.
 */
import { x402Client } from "@x402/core/client";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { AuthCaptureEvmScheme } from "@x402/evm/auth-capture/client";
import {
  bytesToBigInt,
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  createTestClient,
  createWalletClient,
  http,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { anvilWallet, startTestChain, type TestChain } from "../../../test/chain";
import { anvilAccount, DEPLOYER_ACCOUNT_INDEX } from "../../dev/chain/accounts";
import { erc3009PaymentCollectorAbi, erc3009PaymentCollectorBytecode, testUsdcAbi } from "../../dev/chain/artifacts";
import type { TokenDomain } from "../chain/eip3009";
import { createSignedAuthorization, signAuthorization, signCancelAuthorization } from "../../dev/chain/eip3009-signing";
import { localViemChain, setupLocalChain } from "../../dev/chain/local-chain";
import { createRelayer, type Relayer } from "../chain/relayer";
import { authCaptureEscrowAbi, AUTH_CAPTURE_DEPLOYMENT, COLLECTOR_TYPE, tokenCollectorAbi } from "./contracts";
import {
  createEscrowOps,
  decodeRevert,
  EscrowRevertError,
  EscrowTxPendingError,
  reclaimAsPayer,
  type EscrowOps,
} from "./escrow-ops";
import { payerAgnosticNonce, paymentInfoFromAuthCapture, saltToHex, type PaymentInfo } from "./payment-info";

const OPERATOR = anvilAccount(DEPLOYER_ACCOUNT_INDEX);
const buyer = anvilWallet(1);
const seller = anvilAccount(2).address;
const feeWallet = anvilAccount(3).address;
const stranger = anvilWallet(4);
const BUYER_FUNDS = 1_000n * 10n ** 6n;
const ERC6492_MAGIC: Hex = "0x6492649264926492649264926492649264926492649264926492649264926492";

interface Fixture {
  chain: TestChain;
  relayer: Relayer;
  ops: EscrowOps;
  token: TokenDomain;
}

async function fixture(): Promise<Fixture> {
  const chain = await startTestChain();
  const relayer = createRelayer({
    chain: localViemChain(chain.rpcUrl),
    rpcUrl: chain.rpcUrl,
    privateKey: OPERATOR.privateKey,
    pollingIntervalMs: 50,
  });
  return {
    chain,
    relayer,
    ops: createEscrowOps({ relayer, receiptTimeoutMs: 10_000 }),
    token: { address: chain.usdc, name: "USD Coin", version: "2", chainId: chain.local.chainId },
  };
}

async function chainNow(f: Fixture): Promise<number> {
  return Number((await f.chain.client.getBlock({ blockTag: "latest" })).timestamp);
}

/** A PaymentInfo for `payer` and its ReceiveWithAuthorization to the collector, signed as the x402 client does. */
async function newPayment(
  f: Fixture,
  overrides: Partial<PaymentInfo> = {},
  payer: LocalAccount = buyer,
): Promise<{ info: PaymentInfo; signature: Hex; hash: Hex; nonce: Hex }> {
  const now = await chainNow(f);
  const info: PaymentInfo = {
    operator: OPERATOR.address,
    payer: payer.address,
    receiver: seller,
    token: f.chain.usdc,
    maxAmount: 60_000n,
    preApprovalExpiry: now + 300,
    authorizationExpiry: now + 3_600,
    refundExpiry: now + 7_200,
    minFeeBps: 0,
    maxFeeBps: 0,
    feeReceiver: zeroAddress,
    salt: bytesToBigInt(randomBytes(32)),
    ...overrides,
  };
  const nonce = payerAgnosticNonce(f.chain.local.chainId, AUTH_CAPTURE_DEPLOYMENT.escrow, info);
  const signature = await signAuthorization(
    payer,
    f.token,
    {
      from: payer.address,
      to: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
      value: info.maxAmount.toString(),
      validAfter: "0",
      validBefore: String(info.preApprovalExpiry),
      nonce,
    },
    "receive",
  );
  return { info, signature, hash: f.ops.hashOf(info), nonce };
}

/** Why the escrow would reject `functionName(args)` sent by `from` (null when it would succeed). */
async function revertReason(
  f: Fixture,
  from: Address,
  functionName: "authorize" | "capture" | "void" | "reclaim" | "refund" | "charge",
  args: readonly unknown[],
): Promise<string | null> {
  try {
    await f.chain.client.simulateContract({
      address: AUTH_CAPTURE_DEPLOYMENT.escrow,
      abi: authCaptureEscrowAbi,
      functionName,
      args,
      account: from,
    } as Parameters<typeof f.chain.client.simulateContract>[0]);
    return null;
  } catch (err) {
    const revert = decodeRevert(err);
    if (!revert) throw err;
    return revert.reason;
  }
}

/** A transaction from the operator account outside escrow-ops, still through the relayer's nonce queue. */
async function sendAsOperator(
  f: Fixture,
  call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
) {
  const hash = await f.relayer.withNonce((nonce) =>
    f.relayer.walletClient.writeContract({ ...call, nonce } as Parameters<
      typeof f.relayer.walletClient.writeContract
    >[0]),
  );
  return f.chain.client.waitForTransactionReceipt({ hash });
}

async function balances<T extends Address[]>(f: Fixture, ...owners: T): Promise<{ [K in keyof T]: bigint }> {
  return (await Promise.all(owners.map((o) => f.chain.balance(o)))) as { [K in keyof T]: bigint };
}

describe("our auth-capture contracts on the local chain", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(async () => {
    await f?.chain.stop();
  });
  beforeEach(async () => {
    const have = await f.chain.balance(buyer.address);
    if (have < BUYER_FUNDS) await f.chain.mint(buyer.address, BUYER_FUNDS - have);
  });

  it("are installed at the canonical v1.1 addresses, wired to each other, and hash like our TypeScript", async () => {
    const { client } = f.chain;
    for (const address of Object.values(f.chain.escrow))
      expect(await client.getCode({ address })).toMatch(/^0x.{100,}/);
    const read = (address: Address, functionName: "authCaptureEscrow" | "collectorType") =>
      client.readContract({ address, abi: tokenCollectorAbi, functionName });
    expect(await read(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector, "authCaptureEscrow")).toBe(
      AUTH_CAPTURE_DEPLOYMENT.escrow,
    );
    expect(await read(AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector, "authCaptureEscrow")).toBe(
      AUTH_CAPTURE_DEPLOYMENT.escrow,
    );
    expect(await read(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector, "collectorType")).toBe(COLLECTOR_TYPE.payment);
    expect(await read(AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector, "collectorType")).toBe(COLLECTOR_TYPE.refund);
    expect(
      await client.readContract({
        address: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
        abi: erc3009PaymentCollectorAbi,
        functionName: "multicall3",
      }),
    ).toBe(f.chain.local.multicall3Address);

    const { info } = await newPayment(f, { minFeeBps: 7, maxFeeBps: 900, feeReceiver: feeWallet });
    const onChain = await client.readContract({
      address: AUTH_CAPTURE_DEPLOYMENT.escrow,
      abi: authCaptureEscrowAbi,
      functionName: "getHash",
      args: [info],
    });
    expect(onChain).toBe(f.ops.hashOf(info));

    // The runtime code installed is what a real deployment leaves (immutables included).
    const deployer = createWalletClient({
      chain: client.chain,
      transport: http(f.chain.rpcUrl),
      account: anvilWallet(5),
    });
    const deployed = await client.waitForTransactionReceipt({
      hash: await deployer.deployContract({
        abi: erc3009PaymentCollectorAbi,
        bytecode: erc3009PaymentCollectorBytecode,
        args: [AUTH_CAPTURE_DEPLOYMENT.escrow, f.chain.local.multicall3Address],
      }),
    });
    expect(deployed.contractAddress).toBeTruthy();
    expect(await client.getCode({ address: deployed.contractAddress as Address })).toBe(
      await client.getCode({ address: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector }),
    );

    // setupLocalChain again (a reused anvil): nothing changes.
    const before = await client.getCode({ address: AUTH_CAPTURE_DEPLOYMENT.escrow });
    await setupLocalChain(f.chain.rpcUrl);
    expect(await client.getCode({ address: AUTH_CAPTURE_DEPLOYMENT.escrow })).toBe(before);
  });

  it("authorize holds the full amount in escrow, uses the buyer's nonce, and can happen only once", async () => {
    const { info, signature, hash, nonce } = await newPayment(f);
    const [buyerBefore, heldBefore] = [
      await f.chain.balance(buyer.address),
      await f.chain.escrowBalance(OPERATOR.address),
    ];
    expect(await f.ops.simulateAuthorize(info, info.maxAmount, signature)).toEqual({ ok: true });
    const sent: Hex[] = [];
    const tx = await f.ops.authorize(info, info.maxAmount, signature, { onSent: (h) => void sent.push(h) });
    expect(sent).toEqual([tx.txHash]);
    expect(tx.paymentInfoHash).toBe(hash);
    expect(await f.chain.balance(buyer.address)).toBe(buyerBefore - info.maxAmount);
    expect(await f.chain.escrowBalance(OPERATOR.address)).toBe(heldBefore + info.maxAmount);
    expect(await f.ops.readPaymentState(hash)).toEqual({
      hasCollectedPayment: true,
      capturableAmount: info.maxAmount,
      refundableAmount: 0n,
    });
    expect(await f.chain.authorizationUsed(buyer.address, nonce)).toBe(true);

    const again = await f.ops.simulateAuthorize(info, info.maxAmount, signature);
    expect(again).toMatchObject({ ok: false, reason: "PaymentAlreadyCollected" });
    await expect(f.ops.authorize(info, info.maxAmount, signature)).rejects.toThrow(EscrowRevertError);

    const history = await f.ops.readPaymentHistory(info, { fromBlock: tx.blockNumber });
    expect(history.authorized).toHaveLength(1);
    expect(history.authorized[0]).toMatchObject({
      txHash: tx.txHash,
      amount: info.maxAmount,
      heldInTokenStore: info.maxAmount,
      tokenCollector: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
    });
    expect(history.authorized[0]?.paymentInfo).toEqual(info);
  });

  it("authorize of less than maxAmount holds exactly that and returns the rest of the authorization at once", async () => {
    const { info, signature, hash } = await newPayment(f);
    const [buyerBefore] = await balances(f, buyer.address);
    await f.ops.authorize(info, 25_000n, signature);
    expect(await f.chain.balance(buyer.address)).toBe(buyerBefore - 25_000n);
    expect((await f.ops.readPaymentState(hash)).capturableAmount).toBe(25_000n);
    await f.ops.void(info);
  });

  it("only the operator drives a payment: authorize, capture, void, refund and charge by anyone else revert", async () => {
    const { info, signature } = await newPayment(f);
    const c = AUTH_CAPTURE_DEPLOYMENT.eip3009Collector;
    expect(await revertReason(f, stranger.address, "authorize", [info, info.maxAmount, c, signature])).toBe(
      "InvalidSender",
    );
    expect(await revertReason(f, buyer.address, "charge", [info, 1n, c, signature, 0n, zeroAddress])).toBe(
      "InvalidSender",
    );
    await f.ops.authorize(info, info.maxAmount, signature);
    expect(await revertReason(f, stranger.address, "capture", [info, 1n, 0n, zeroAddress])).toBe("InvalidSender");
    expect(await revertReason(f, seller, "capture", [info, 1n, 0n, zeroAddress])).toBe("InvalidSender");
    expect(await revertReason(f, buyer.address, "void", [info])).toBe("InvalidSender");
    expect(
      await revertReason(f, stranger.address, "refund", [
        info,
        1n,
        AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
        "0x",
      ]),
    ).toBe("InvalidSender");
    // …and reclaim belongs to the payer alone (and only after the deadline, tested below).
    expect(await revertReason(f, OPERATOR.address, "reclaim", [info])).toBe("InvalidSender");
    // The collector and the token store take orders only from the escrow.
    await expect(
      f.chain.client.simulateContract({
        address: c,
        abi: tokenCollectorAbi,
        functionName: "collectTokens",
        args: [info, stranger.address, info.maxAmount, signature],
        account: stranger.address,
      }),
    ).rejects.toThrow(/OnlyAuthCaptureEscrow/);
    const store = await f.ops.tokenStore();
    await expect(
      f.chain.client.simulateContract({
        address: store,
        abi: [
          {
            type: "function",
            name: "sendTokens",
            stateMutability: "nonpayable",
            inputs: [
              { name: "token", type: "address" },
              { name: "recipient", type: "address" },
              { name: "amount", type: "uint256" },
            ],
            outputs: [{ type: "bool" }],
          },
        ] as const,
        functionName: "sendTokens",
        args: [f.chain.usdc, stranger.address, 1n],
        account: OPERATOR.address,
      }),
    ).rejects.toThrow(/reverted/);
    await f.ops.void(info);
  });

  it("capture pays out at most what is held; void returns exactly the rest, and only once", async () => {
    const { info, signature, hash } = await newPayment(f);
    await f.ops.authorize(info, info.maxAmount, signature);
    const [buyerBefore, sellerBefore] = await balances(f, buyer.address, seller);

    expect(await revertReason(f, OPERATOR.address, "capture", [info, info.maxAmount + 1n, 0n, zeroAddress])).toBe(
      "InsufficientAuthorization",
    );
    expect(await revertReason(f, OPERATOR.address, "capture", [info, 0n, 0n, zeroAddress])).toBe("ZeroAmount");
    await f.ops.capture(info, 10_000n, 0, zeroAddress);
    await f.ops.capture(info, 5_000n, 0, zeroAddress);
    expect(await f.ops.readPaymentState(hash)).toEqual({
      hasCollectedPayment: true,
      capturableAmount: 45_000n,
      refundableAmount: 15_000n,
    });
    await expect(f.ops.capture(info, 45_001n, 0, zeroAddress)).rejects.toMatchObject({
      reason: "InsufficientAuthorization",
    });

    const voided = await f.ops.void(info);
    expect(voided.amount).toBe(45_000n);
    expect(await balances(f, buyer.address, seller)).toEqual([buyerBefore + 45_000n, sellerBefore + 15_000n]);
    await expect(f.ops.void(info)).rejects.toMatchObject({ reason: "ZeroAuthorization" });
    expect(await revertReason(f, OPERATOR.address, "capture", [info, 1n, 0n, zeroAddress])).toBe(
      "InsufficientAuthorization",
    );
    // A payment never authorized has nothing to void.
    const never = await newPayment(f);
    await expect(f.ops.void(never.info)).rejects.toMatchObject({ reason: "ZeroAuthorization" });

    const history = await f.ops.readPaymentHistory(info, { fromBlock: 0n });
    expect(history.captured.map((c) => [c.amount, c.paidToReceiver, c.feeAmount])).toEqual([
      [10_000n, 10_000n, 0n],
      [5_000n, 5_000n, 0n],
    ]);
    expect(history.voided.map((v) => [v.amount, v.returnedToPayer])).toEqual([[45_000n, 45_000n]]);
  });

  it("fees stay within the payer-signed bps of each capture and go to the signed fee receiver", async () => {
    const { info, signature } = await newPayment(f, { minFeeBps: 100, maxFeeBps: 250, feeReceiver: feeWallet });
    await f.ops.authorize(info, info.maxAmount, signature);
    const capture = (amount: bigint, fee: bigint, to: Address) =>
      revertReason(f, OPERATOR.address, "capture", [info, amount, fee, to]);
    // 10,000 units: fee in [100, 250].
    expect(await capture(10_000n, 99n, feeWallet)).toBe("FeeAmountOutOfRange");
    expect(await capture(10_000n, 251n, feeWallet)).toBe("FeeAmountOutOfRange");
    expect(await capture(10_000n, 100n, stranger.address)).toBe("InvalidFeeReceiver");
    expect(await capture(10_000n, 100n, feeWallet)).toBeNull();
    expect(await capture(10_000n, 250n, feeWallet)).toBeNull();

    const [sellerBefore, feeBefore] = await balances(f, seller, feeWallet);
    const tx = await f.ops.capture(info, 10_000n, 200, feeWallet);
    expect(tx.feeAmount).toBe(200n);
    expect(await balances(f, seller, feeWallet)).toEqual([sellerBefore + 9_800n, feeBefore + 200n]);
    const [captured] = (await f.ops.readPaymentHistory(info, { fromBlock: tx.blockNumber })).captured;
    expect(captured).toMatchObject({
      amount: 10_000n,
      feeAmount: 200n,
      paidToFeeReceiver: 200n,
      paidToReceiver: 9_800n,
    });
    await expect(f.ops.capture(info, 1n, 10_001, feeWallet)).rejects.toThrow(RangeError);
    await f.ops.void(info);

    // No fee receiver signed: the operator may name one, but a fee needs a receiver.
    const open = await newPayment(f, { minFeeBps: 0, maxFeeBps: 500, feeReceiver: zeroAddress });
    await f.ops.authorize(open.info, open.info.maxAmount, open.signature);
    expect(await revertReason(f, OPERATOR.address, "capture", [open.info, 10_000n, 1n, zeroAddress])).toBe(
      "ZeroFeeReceiver",
    );
    expect(await revertReason(f, OPERATOR.address, "capture", [open.info, 10_000n, 0n, zeroAddress])).toBeNull();
    expect(await revertReason(f, OPERATOR.address, "capture", [open.info, 10_000n, 500n, stranger.address])).toBeNull();
    await f.ops.void(open.info);

    // Bounds that make no sense never get collected.
    const overflow = await newPayment(f, { maxFeeBps: 10_001 });
    expect(await f.ops.simulateAuthorize(overflow.info, overflow.info.maxAmount, overflow.signature)).toMatchObject({
      reason: "FeeBpsOverflow",
    });
    const inverted = await newPayment(f, { minFeeBps: 300, maxFeeBps: 200 });
    expect(await f.ops.simulateAuthorize(inverted.info, inverted.info.maxAmount, inverted.signature)).toMatchObject({
      reason: "InvalidFeeBpsRange",
    });
  });

  it("expiries must be ordered preApproval ≤ authorization ≤ refund, the pre-approval unexpired, the amount within max", async () => {
    const now = await chainNow(f);
    const cases: [Partial<PaymentInfo>, string][] = [
      [{ preApprovalExpiry: now + 4_000, authorizationExpiry: now + 3_600 }, "InvalidExpiries"],
      [{ authorizationExpiry: now + 8_000, refundExpiry: now + 7_200 }, "InvalidExpiries"],
      [{ preApprovalExpiry: now - 1 }, "AfterPreApprovalExpiry"],
    ];
    for (const [overrides, reason] of cases) {
      const p = await newPayment(f, overrides);
      expect(await f.ops.simulateAuthorize(p.info, p.info.maxAmount, p.signature), reason).toMatchObject({
        ok: false,
        reason,
      });
    }
    const p = await newPayment(f);
    expect(await f.ops.simulateAuthorize(p.info, p.info.maxAmount + 1n, p.signature)).toMatchObject({
      reason: "ExceedsMaxAmount",
    });
    expect(await f.ops.simulateAuthorize(p.info, 0n, p.signature)).toMatchObject({ reason: "ZeroAmount" });
    // Equal expiries are allowed.
    const equal = await newPayment(f, {
      preApprovalExpiry: now + 600,
      authorizationExpiry: now + 600,
      refundExpiry: now + 600,
    });
    expect(await f.ops.simulateAuthorize(equal.info, equal.info.maxAmount, equal.signature)).toEqual({ ok: true });
    // A refund collector cannot fund a payment.
    expect(
      await revertReason(f, OPERATOR.address, "authorize", [
        p.info,
        p.info.maxAmount,
        AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
        p.signature,
      ]),
    ).toBe("InvalidCollectorForOperation");
  });

  it("a signature for one PaymentInfo cannot fund another (the nonce is derived from it)", async () => {
    const { info, signature } = await newPayment(f);
    for (const changed of [
      { ...info, receiver: stranger.address },
      { ...info, maxAmount: info.maxAmount + 1n },
      { ...info, authorizationExpiry: info.authorizationExpiry + 1 },
      { ...info, feeReceiver: stranger.address, maxFeeBps: 100 },
    ]) {
      expect(await f.ops.simulateAuthorize(changed, changed.maxAmount, signature)).toMatchObject({
        ok: false,
        reason: "FiatTokenV2: invalid signature",
      });
    }
    // The signature names the buyer: another payer in the struct does not match it either.
    expect(
      await f.ops.simulateAuthorize({ ...info, payer: stranger.address }, info.maxAmount, signature),
    ).toMatchObject({
      ok: false,
      reason: "FiatTokenV2: invalid signature",
    });
  });

  it("after authorize the buyer can neither reuse the nonce nor cancel it, nor take the held funds back", async () => {
    const { info, signature, nonce } = await newPayment(f);
    await f.ops.authorize(info, info.maxAmount, signature);
    const buyerWallet = createWalletClient({
      chain: f.chain.client.chain,
      transport: http(f.chain.rpcUrl),
      account: buyer,
    });
    const now = await chainNow(f);

    // The hijack: a second authorization with the same nonce, to the buyer itself.
    const hijack = await signAuthorization(buyer, f.token, {
      from: buyer.address,
      to: buyer.address,
      value: "1",
      validAfter: "0",
      validBefore: String(now + 600),
      nonce,
    });
    await expect(
      buyerWallet.writeContract({
        address: f.chain.usdc,
        abi: testUsdcAbi,
        functionName: "transferWithAuthorization",
        args: [buyer.address, buyer.address, 1n, 0n, BigInt(now + 600), nonce, hijack],
      }),
    ).rejects.toThrow(/authorization is used or canceled/);
    const cancel = await signCancelAuthorization(buyer, f.token, nonce);
    await expect(
      buyerWallet.writeContract({
        address: f.chain.usdc,
        abi: testUsdcAbi,
        functionName: "cancelAuthorization",
        args: [buyer.address, nonce, cancel],
      }),
    ).rejects.toThrow(/authorization is used or canceled/);

    // Draining the wallet does not touch the hold: the seller is still paid.
    const rest = await f.chain.balance(buyer.address);
    const drain = await buyerWallet.writeContract({
      address: f.chain.usdc,
      abi: testUsdcAbi,
      functionName: "transfer",
      args: [stranger.address, rest],
    });
    await f.chain.client.waitForTransactionReceipt({ hash: drain });
    expect(await f.chain.balance(buyer.address)).toBe(0n);
    const [sellerBefore] = await balances(f, seller);
    await f.ops.capture(info, info.maxAmount, 0, zeroAddress);
    expect(await f.chain.balance(seller)).toBe(sellerBefore + info.maxAmount);
  });

  it("a buyer who cancels before authorize gets a clear simulation failure, and nothing is sent", async () => {
    const { info, signature, nonce, hash } = await newPayment(f);
    const cancel = await signCancelAuthorization(buyer, f.token, nonce);
    const buyerWallet = createWalletClient({
      chain: f.chain.client.chain,
      transport: http(f.chain.rpcUrl),
      account: buyer,
    });
    const tx = await buyerWallet.writeContract({
      address: f.chain.usdc,
      abi: testUsdcAbi,
      functionName: "cancelAuthorization",
      args: [buyer.address, nonce, cancel],
    });
    await f.chain.client.waitForTransactionReceipt({ hash: tx });
    expect(await f.ops.simulateAuthorize(info, info.maxAmount, signature)).toMatchObject({
      ok: false,
      reason: "FiatTokenV2: authorization is used or canceled",
    });
    await expect(f.ops.authorize(info, info.maxAmount, signature)).rejects.toMatchObject({
      reason: "FiatTokenV2: authorization is used or canceled",
      txHash: undefined,
    });
    expect((await f.ops.readPaymentState(hash)).hasCollectedPayment).toBe(false);
  });

  it("refund returns captured funds from the operator's own liquidity, never more than captured", async () => {
    const { info, signature, hash } = await newPayment(f);
    await f.ops.authorize(info, info.maxAmount, signature);
    await f.ops.capture(info, 20_000n, 0, zeroAddress);
    await f.ops.void(info);
    const refundCollector = AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector;
    expect(await revertReason(f, OPERATOR.address, "refund", [info, 20_001n, refundCollector, "0x"])).toBe(
      "RefundExceedsCapture",
    );
    expect(
      await revertReason(f, OPERATOR.address, "refund", [info, 1n, AUTH_CAPTURE_DEPLOYMENT.eip3009Collector, "0x"]),
    ).toBe("InvalidCollectorForOperation");

    await f.chain.mint(OPERATOR.address, 5_000n);
    await sendAsOperator(f, {
      address: f.chain.usdc,
      abi: testUsdcAbi,
      functionName: "approve",
      args: [refundCollector, 5_000n],
    });
    const [buyerBefore, operatorBefore] = await balances(f, buyer.address, OPERATOR.address);
    const refund = await sendAsOperator(f, {
      address: AUTH_CAPTURE_DEPLOYMENT.escrow,
      abi: authCaptureEscrowAbi,
      functionName: "refund",
      args: [info, 5_000n, refundCollector, "0x"],
    });
    expect(refund.status).toBe("success");
    expect(await balances(f, buyer.address, OPERATOR.address)).toEqual([buyerBefore + 5_000n, operatorBefore - 5_000n]);
    expect(await f.ops.readPaymentState(hash)).toEqual({
      hasCollectedPayment: true,
      capturableAmount: 0n,
      refundableAmount: 15_000n,
    });
  });

  it("charge collects and pays out in one step, with the fee, and only once", async () => {
    const { info, signature, hash } = await newPayment(f, { minFeeBps: 100, maxFeeBps: 100, feeReceiver: feeWallet });
    const args = [info, 30_000n, AUTH_CAPTURE_DEPLOYMENT.eip3009Collector, signature, 300n, feeWallet] as const;
    expect(
      await revertReason(f, OPERATOR.address, "charge", [info, 30_000n, args[2], signature, 299n, feeWallet]),
    ).toBe("FeeAmountOutOfRange");
    const [buyerBefore, sellerBefore, feeBefore] = await balances(f, buyer.address, seller, feeWallet);
    const charged = await sendAsOperator(f, {
      address: AUTH_CAPTURE_DEPLOYMENT.escrow,
      abi: authCaptureEscrowAbi,
      functionName: "charge",
      args,
    });
    expect(charged.status).toBe("success");
    expect(await balances(f, buyer.address, seller, feeWallet)).toEqual([
      buyerBefore - 30_000n,
      sellerBefore + 29_700n,
      feeBefore + 300n,
    ]);
    expect(await f.ops.readPaymentState(hash)).toEqual({
      hasCollectedPayment: true,
      capturableAmount: 0n,
      refundableAmount: 30_000n,
    });
    expect(await revertReason(f, OPERATOR.address, "charge", [...args])).toBe("PaymentAlreadyCollected");
  });

  it("an ERC-6492 envelope is unwrapped: its preparation call runs (even a failing one) and the inner signature pays", async () => {
    const envelope = (target: Address, data: Hex, inner: Hex): Hex =>
      concat([
        encodeAbiParameters([{ type: "address" }, { type: "bytes" }, { type: "bytes" }], [target, data, inner]),
        ERC6492_MAGIC,
      ]);
    // A preparation call with a visible effect: someone's signed 1-unit transfer to the seller.
    await f.chain.mint(stranger.address, 1n);
    const { authorization, signature: tip } = await createSignedAuthorization(stranger, f.token, {
      to: seller,
      value: 1n,
    });
    const prepare = encodeFunctionData({
      abi: testUsdcAbi,
      functionName: "transferWithAuthorization",
      args: [authorization.from, authorization.to, 1n, 0n, BigInt(authorization.validBefore), authorization.nonce, tip],
    });
    const harmless = encodeFunctionData({ abi: testUsdcAbi, functionName: "balanceOf", args: [buyer.address] });
    const [sellerBefore] = await balances(f, seller);
    for (const [target, data] of [
      [f.chain.usdc, prepare],
      [AUTH_CAPTURE_DEPLOYMENT.escrow, "0xdeadbeef"], // reverts: ignored, as tryAggregate(false) allows
    ] as const) {
      const { info, signature, hash } = await newPayment(f);
      const wrapped = envelope(target, data, signature);
      expect(await f.ops.simulateAuthorize(info, info.maxAmount, wrapped)).toEqual({ ok: true });
      await f.ops.authorize(info, info.maxAmount, wrapped);
      expect((await f.ops.readPaymentState(hash)).capturableAmount).toBe(info.maxAmount);
      await f.ops.void(info);
    }
    expect(await f.chain.authorizationUsed(stranger.address, authorization.nonce)).toBe(true);
    expect(await f.chain.balance(seller)).toBe(sellerBefore + 1n);
    // A wrapped signature that is not the payer's still fails at the token.
    const { info } = await newPayment(f);
    const other = await newPayment(f);
    expect(
      await f.ops.simulateAuthorize(info, info.maxAmount, envelope(f.chain.usdc, harmless, other.signature)),
    ).toMatchObject({ ok: false, reason: "FiatTokenV2: invalid signature" });
  });

  it("a transaction sent from the operator account outside the queue does not break the next escrow call", async () => {
    await f.chain.mint(stranger.address, 1n); // anvil account 0 mints: the relayer's cached nonce is now stale
    const { info, signature, hash } = await newPayment(f);
    await f.ops.authorize(info, info.maxAmount, signature);
    expect((await f.ops.readPaymentState(hash)).capturableAmount).toBe(info.maxAmount);
    await f.ops.void(info);
  });

  it("many concurrent authorizes through the one relayer queue all land", async () => {
    const payments = await Promise.all(Array.from({ length: 12 }, () => newPayment(f, { maxAmount: 1_000n })));
    const txs = await Promise.all(payments.map((p) => f.ops.authorize(p.info, p.info.maxAmount, p.signature)));
    expect(new Set(txs.map((t) => t.txHash)).size).toBe(payments.length);
    for (const p of payments) expect((await f.ops.readPaymentState(p.hash)).capturableAmount).toBe(1_000n);
    await Promise.all(payments.map((p) => f.ops.void(p.info)));
    for (const p of payments) expect((await f.ops.readPaymentState(p.hash)).capturableAmount).toBe(0n);
  });

  it("a payment signed by the stock x402 auth-capture client is held, captured for 3 s of a $3.60/h node, and the rest voided", async () => {
    const now = Math.floor(Date.now() / 1000);
    const requirements: PaymentRequirements = {
      scheme: "auth-capture",
      network: `eip155:${f.chain.local.chainId}`,
      amount: "60000", // 60 s at $3.60/h
      asset: f.chain.usdc,
      payTo: seller,
      maxTimeoutSeconds: 60,
      extra: {
        name: "USD Coin",
        version: "2",
        authCaptureEscrow: AUTH_CAPTURE_DEPLOYMENT.escrow,
        captureAuthorizer: OPERATOR.address,
        operatorType: "delegated",
        paymentFlow: "escrow",
        captureMode: "deferred",
        captureDeadline: now + 3_600,
        refundDeadline: now + 7_200,
        minFeeBps: 100,
        maxFeeBps: 100,
        feeRecipient: feeWallet,
        assetTransferMethod: "eip3009",
      },
    };
    const paymentRequired: PaymentRequired = {
      x402Version: 2,
      resource: { url: "http://127.0.0.1/api/x402/jobs" },
      accepts: [requirements],
    };
    const client = new x402Client().register(`eip155:${f.chain.local.chainId}`, new AuthCaptureEvmScheme(buyer));
    client.setSpendControls({ allowedAssets: [{ network: requirements.network, asset: f.chain.usdc }] });
    const paid = await client.createPaymentPayload(paymentRequired);
    expect(paid.accepted.scheme).toBe("auth-capture");
    const payload = paid.payload as {
      authorization: { from: string; to: string; validBefore: string; nonce: Hex };
      signature: Hex;
      salt: Hex;
    };
    expect(payload.authorization.to).toBe(AUTH_CAPTURE_DEPLOYMENT.eip3009Collector);

    const info = paymentInfoFromAuthCapture({
      requirements: requirements as unknown as Parameters<typeof paymentInfoFromAuthCapture>[0]["requirements"],
      payer: payload.authorization.from,
      validBefore: payload.authorization.validBefore,
      salt: payload.salt,
    });
    expect(saltToHex(info.salt)).toBe(payload.salt);
    expect(payload.authorization.nonce).toBe(
      payerAgnosticNonce(f.chain.local.chainId, AUTH_CAPTURE_DEPLOYMENT.escrow, info),
    );

    const [buyer0, seller0, fee0] = await balances(f, buyer.address, seller, feeWallet);
    const held0 = await f.chain.escrowBalance(OPERATOR.address);
    expect(await f.ops.simulateAuthorize(info, info.maxAmount, payload.signature)).toEqual({ ok: true });
    const authorized = await f.ops.authorize(info, info.maxAmount, payload.signature);
    expect(await f.chain.escrowBalance(OPERATOR.address)).toBe(held0 + 60_000n);
    expect(await f.chain.balance(buyer.address)).toBe(buyer0 - 60_000n);

    const owed = (3_600_000n * 3n + 3_599n) / 3_600n; // ceil($3.60/h × 3 s) in atomic USDC = 3,000
    expect(owed).toBe(3_000n);
    const state = await f.ops.readPaymentState(authorized.paymentInfoHash);
    expect(state.capturableAmount).toBe(60_000n);
    const captured = await f.ops.capture(info, owed, 100, feeWallet);
    const voided = await f.ops.void(info);
    expect(captured.feeAmount).toBe(30n);
    expect(voided.amount).toBe(57_000n);

    const [buyer1, seller1, fee1] = await balances(f, buyer.address, seller, feeWallet);
    expect(buyer1 - buyer0).toBe(-3_000n);
    expect(seller1 - seller0).toBe(2_970n);
    expect(fee1 - fee0).toBe(30n);
    expect(await f.chain.escrowBalance(OPERATOR.address)).toBe(held0);
    expect(await f.chain.escrowState(authorized.paymentInfoHash)).toEqual({
      hasCollectedPayment: true,
      capturableAmount: 0n,
      refundableAmount: 3_000n,
    });

    // What crash recovery reads back: every amount and recipient, from the chain.
    const history = await f.ops.readPaymentHistory(info, { fromBlock: authorized.blockNumber });
    expect(history.authorized.map((a) => [a.amount, a.heldInTokenStore])).toEqual([[60_000n, 60_000n]]);
    expect(
      history.captured.map((c) => [
        c.txHash,
        c.amount,
        c.feeAmount,
        c.feeReceiver,
        c.paidToReceiver,
        c.paidToFeeReceiver,
      ]),
    ).toEqual([[captured.txHash, 3_000n, 30n, feeWallet, 2_970n, 30n]]);
    expect(history.voided.map((v) => [v.txHash, v.amount, v.returnedToPayer])).toEqual([
      [voided.txHash, 57_000n, 57_000n],
    ]);
    expect(history.reclaimed).toEqual([]);
  });
});

describe("reclaim and deadlines (a chain of its own: time moves forward)", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(async () => {
    await f?.chain.stop();
  });

  it("a transaction with no receipt in time is reported pending with its hash; the chain then says what happened", async () => {
    const impatient = createEscrowOps({ relayer: f.relayer, receiptTimeoutMs: 300 });
    const testClient = createTestClient({
      mode: "anvil",
      chain: f.chain.client.chain,
      transport: http(f.chain.rpcUrl),
    });
    const { info, signature, hash } = await newPayment(f);
    await testClient.setAutomine(false);
    try {
      const sent: Hex[] = [];
      const err: unknown = await impatient
        .authorize(info, info.maxAmount, signature, { onSent: (h) => void sent.push(h) })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EscrowTxPendingError);
      expect((err as EscrowTxPendingError).txHash).toBe(sent[0]);
      expect((await impatient.readPaymentState(hash)).hasCollectedPayment).toBe(false);
      await testClient.mine({ blocks: 1 });
    } finally {
      await testClient.setAutomine(true);
    }
    // Mined after all: the state and the history show it, and a retry cannot collect twice.
    expect(await impatient.readPaymentState(hash)).toMatchObject({ capturableAmount: info.maxAmount });
    const history = await impatient.readPaymentHistory(info, { fromBlock: 0n });
    expect(history.authorized.map((a) => a.heldInTokenStore)).toEqual([info.maxAmount]);
    await expect(impatient.authorize(info, info.maxAmount, signature)).rejects.toMatchObject({
      reason: "PaymentAlreadyCollected",
    });
    await impatient.void(info);
  });

  it("the buyer reclaims exactly the rest once the capture deadline passed, and not before", async () => {
    const now = await chainNow(f);
    const { info, signature, hash } = await newPayment(f, {
      preApprovalExpiry: now + 60,
      authorizationExpiry: now + 120,
      refundExpiry: now + 180,
    });
    await f.ops.authorize(info, info.maxAmount, signature);
    await f.ops.capture(info, 4_000n, 0, zeroAddress);
    const reclaim = () =>
      reclaimAsPayer({ chain: f.chain.client.chain, transport: http(f.chain.rpcUrl), payer: buyer, info });

    await expect(reclaim()).rejects.toMatchObject({ reason: "BeforeAuthorizationExpiry" });

    const testClient = createTestClient({
      mode: "anvil",
      chain: f.chain.client.chain,
      transport: http(f.chain.rpcUrl),
    });
    await testClient.setNextBlockTimestamp({ timestamp: BigInt(info.authorizationExpiry) });
    await testClient.mine({ blocks: 1 });

    // The operator's window is over…
    expect(await revertReason(f, OPERATOR.address, "capture", [info, 1n, 0n, zeroAddress])).toBe(
      "AfterAuthorizationExpiry",
    );
    // …only the payer may reclaim.
    expect(await revertReason(f, stranger.address, "reclaim", [info])).toBe("InvalidSender");
    const [buyerBefore] = await balances(f, buyer.address);
    const reclaimed = await reclaim();
    expect(reclaimed.amount).toBe(56_000n);
    expect(reclaimed.paymentInfoHash).toBe(hash);
    expect(await f.chain.balance(buyer.address)).toBe(buyerBefore + 56_000n);
    await expect(reclaim()).rejects.toMatchObject({ reason: "ZeroAuthorization" });
    await expect(f.ops.void(info)).rejects.toMatchObject({ reason: "ZeroAuthorization" });

    const history = await f.ops.readPaymentHistory(info, { fromBlock: 0n });
    expect(history.reclaimed.map((r) => [r.txHash, r.amount, r.returnedToPayer])).toEqual([
      [reclaimed.txHash, 56_000n, 56_000n],
    ]);
    expect(history.voided).toEqual([]);

    // Past the refund deadline nothing can be refunded either.
    await testClient.setNextBlockTimestamp({ timestamp: BigInt(info.refundExpiry) });
    await testClient.mine({ blocks: 1 });
    expect(
      await revertReason(f, OPERATOR.address, "refund", [
        info,
        1n,
        AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
        "0x",
      ]),
    ).toBe("AfterRefundExpiry");
    // And an authorization whose pre-approval expired can no longer be collected.
    const late = await newPayment(f, { preApprovalExpiry: Number(await chainNow(f)) });
    expect(await f.ops.simulateAuthorize(late.info, late.info.maxAmount, late.signature)).toMatchObject({
      reason: "AfterPreApprovalExpiry",
    });
  });
});
