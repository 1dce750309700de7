/**
 * The operator's side of the auth-capture escrow, over viem and our relayer (its one nonce
 * queue: every transaction of the relayer account goes through it). Gas is estimated
 * outside the queue (the estimate is also the simulation), so the queue only signs and
 * broadcasts; receipts are awaited concurrently.
 * We are the `delegated` operator: `PaymentInfo.operator` is the relayer's address.
 *
 * How to use it:
 *
 *   const ops = createEscrowOps({ relayer });             // canonical v1.1 addresses
 *   const info = paymentInfoFromAuthCapture({ requirements, payer: auth.from,
 *                                             validBefore: auth.validBefore, salt: payload.salt });
 *   const id = ops.hashOf(info);                         // key every record by this
 *   const gas = await ops.estimateAuthorize(info, info.maxAmount, payload.signature);
 *   // throws EscrowRevertError → 402 with .reason (e.g. "FiatTokenV2: authorization is used
 *   // or canceled", "PaymentAlreadyCollected", "AfterPreApprovalExpiry", "…exceeds balance")
 *   await ops.authorize(info, info.maxAmount, payload.signature, { gas }); // not estimated twice
 *   ... job runs ...
 *   const state = await ops.readPaymentState(id);        // ALWAYS before capture/void
 *   if (state.capturableAmount > 0n) {
 *     if (owed > 0n) await ops.capture(info, owed, feeBps, feeRecipient, { onSent });
 *     if (remaining > 0n) await ops.void(info, { onSent });          // returns the rest to the payer
 *   }
 *   Recovery after a crash: `readPaymentHistory(info, { fromBlock })` gives every authorize,
 *   capture, void and reclaim with its amounts AND the token transfers the same transaction
 *   made (to the seller, the fee receiver, the payer): compare those with what you meant.
 *
 * Semantics (the escrow's): `authorize` collects exactly `amount` (≤ maxAmount; the x402 scheme
 * requires the full maxAmount) once per PaymentInfo; `capture` moves part of the hold to the
 * receiver (minus `feeAmountFor(amount, feeBps)` to the fee receiver), repeatable up to the
 * hold, before `authorizationExpiry`; `void` returns the whole remaining hold to the payer
 * and reverts with ZeroAuthorization when nothing is held (so a retried void fails loudly
 * instead of doing something twice); from `authorizationExpiry` on the payer can `reclaim`
 * the remaining hold itself (`reclaimAsPayer`).
 *
 * Errors: a call the chain would reject throws `EscrowRevertError` (`.reason` is the custom
 * error name or the token's revert string) before anything is sent; a sent transaction that
 * reverted throws it with `.txHash`; a transaction with no receipt in time throws
 * `EscrowTxPendingError` with `.txHash` (it may still be mined: read the payment state).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  encodeEventTopics,
  encodeFunctionData,
  getAbiItem,
  getAddress,
  isAddressEqual,
  parseEventLogs,
  toEventSelector,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type Log,
  type PublicClient,
  type Transport,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { withGasMargin, type Relayer } from "../chain/relayer";
import { AUTH_CAPTURE_DEPLOYMENT, authCaptureEscrowAbi, erc20TransferEventAbi } from "./contracts";
import { feeAmountFor, paymentInfoHash, type PaymentInfo } from "./payment-info";

type Client = PublicClient<Transport, Chain>;

/** Where the escrow and its collectors are (default: the canonical v1.1 set, also used on the local chain). */
export interface EscrowAddresses {
  escrow: Address;
  eip3009Collector: Address;
  operatorRefundCollector: Address;
}

export interface PaymentState {
  /** True once the payment was authorized (or charged): a PaymentInfo can be collected only once. */
  hasCollectedPayment: boolean;
  /** Held in escrow: what may still be captured, voided or reclaimed. */
  capturableAmount: bigint;
  /** Captured and not refunded. */
  refundableAmount: bigint;
}

export interface EscrowTx {
  txHash: Hex;
  blockNumber: bigint;
  paymentInfoHash: Hex;
}

export interface CaptureTx extends EscrowTx {
  amount: bigint;
  /** What went to the fee receiver (the rest of `amount` went to the receiver). */
  feeAmount: bigint;
  feeReceiver: Address;
}

export interface SendOptions {
  /** Called with the transaction hash once it is broadcast, before waiting for the receipt (persist it here). */
  onSent?: (txHash: Hex) => void | Promise<void>;
  /** Gas from an earlier `estimate…` of this same call (its simulation already passed): not estimated again. */
  gas?: bigint;
}

export type SimulationResult = { ok: true } | { ok: false; reason: string; args: readonly unknown[]; message: string };

export class EscrowRevertError extends Error {
  constructor(
    readonly operation: string,
    readonly reason: string,
    readonly args: readonly unknown[],
    readonly txHash?: Hex,
  ) {
    super(`escrow ${operation} reverted: ${reason}${args.length ? ` (${args.map(String).join(", ")})` : ""}`);
    this.name = "EscrowRevertError";
  }
}

export class EscrowTxPendingError extends Error {
  constructor(
    readonly operation: string,
    readonly txHash: Hex,
    cause: unknown,
  ) {
    super(`escrow ${operation} transaction ${txHash} has no receipt yet`, { cause });
    this.name = "EscrowTxPendingError";
  }
}

/** A token transfer made in the same transaction as an escrow event (logged by the token). */
export interface TokenTransfer {
  from: Address;
  to: Address;
  value: bigint;
}

interface EventBase {
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  /** The token's Transfer logs that belong to this operation (between this event and the next escrow event of the tx). */
  transfers: TokenTransfer[];
}

export interface AuthorizedEvent extends EventBase {
  amount: bigint;
  tokenCollector: Address;
  paymentInfo: PaymentInfo;
  /** What reached the operator's token store in this operation (must equal `amount`). */
  heldInTokenStore: bigint;
}

export interface CapturedEvent extends EventBase {
  amount: bigint;
  feeAmount: bigint;
  feeReceiver: Address;
  /** Paid from the token store to `paymentInfo.receiver` by this capture. */
  paidToReceiver: bigint;
  /** Paid from the token store to `feeReceiver` by this capture (the fee transfer comes first). */
  paidToFeeReceiver: bigint;
}

export interface ReturnedEvent extends EventBase {
  amount: bigint;
  /** Paid from the token store back to `paymentInfo.payer`. */
  returnedToPayer: bigint;
}

export interface PaymentHistory {
  paymentInfoHash: Hex;
  tokenStore: Address;
  authorized: AuthorizedEvent[];
  captured: CapturedEvent[];
  voided: ReturnedEvent[];
  reclaimed: ReturnedEvent[];
}

export interface EscrowOps {
  /** The operator: the relayer's address (`extra.captureAuthorizer`). */
  operator: Address;
  addresses: EscrowAddresses;
  chainId: number;
  /** `AuthCaptureEscrow.getHash(info)`, computed locally. */
  hashOf(info: PaymentInfo): Hex;
  /** Would `authorize` succeed now? (eth_call as the operator; nothing is sent.) */
  simulateAuthorize(info: PaymentInfo, amount: bigint, collectorData: Hex): Promise<SimulationResult>;
  /**
   * Gas for `authorize` as the operator: one simulation that also answers the signature,
   * the payer's balance and the authorization's state. Throws EscrowRevertError (nothing sent).
   */
  estimateAuthorize(info: PaymentInfo, amount: bigint, collectorData: Hex): Promise<bigint>;
  /**
   * Collects `amount` from the payer into escrow with the EIP-3009 collector; `collectorData` is
   * the buyer's signature. Resolves once mined with the PaymentAuthorized event's amount.
   */
  authorize(
    info: PaymentInfo,
    amount: bigint,
    collectorData: Hex,
    options?: SendOptions,
  ): Promise<EscrowTx & { amount: bigint }>;
  /** Pays `amount` of the hold to the receiver, `feeAmountFor(amount, feeBps)` of it to `feeReceiver`. */
  capture(
    info: PaymentInfo,
    amount: bigint,
    feeBps: number,
    feeReceiver: Address,
    options?: SendOptions,
  ): Promise<CaptureTx>;
  /** Returns the whole remaining hold to the payer (reverts with ZeroAuthorization when nothing is held). */
  void(info: PaymentInfo, options?: SendOptions): Promise<EscrowTx & { amount: bigint }>;
  readPaymentState(paymentInfoHash: Hex): Promise<PaymentState>;
  /** Every authorize/capture/void/reclaim of this payment since `fromBlock`, with the transfers each made. */
  readPaymentHistory(info: PaymentInfo, options: { fromBlock: bigint; toBlock?: bigint }): Promise<PaymentHistory>;
  /** The operator's token store (where its holds sit). */
  tokenStore(): Promise<Address>;
}

export interface EscrowOpsOptions {
  relayer: Relayer;
  addresses?: EscrowAddresses;
  /** How long to wait for a receipt before EscrowTxPendingError. Default 120 s. */
  receiptTimeoutMs?: number;
}

/** Most RPC providers cap eth_getLogs ranges: search in windows of this many blocks. */
const LOG_WINDOW = 10_000n;

export const CANONICAL_ESCROW_ADDRESSES: EscrowAddresses = {
  escrow: AUTH_CAPTURE_DEPLOYMENT.escrow,
  eip3009Collector: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
  operatorRefundCollector: AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
};

const isViemError = (err: unknown): err is BaseError =>
  err instanceof Error && typeof (err as Partial<BaseError>).walk === "function";

/** The custom error (or revert string) inside a viem error, if the chain reverted. */
export function decodeRevert(err: unknown): { reason: string; args: readonly unknown[] } | null {
  // By name, not instanceof: in the production bundle the error may come from another copy of viem's classes.
  if (!isViemError(err)) return null;
  const reverted = err.walk(
    (e) => (e as Error | null)?.name === "ContractFunctionRevertedError",
  ) as ContractFunctionRevertedError | null;
  if (!reverted) return null;
  if (reverted.data) {
    const name = reverted.data.errorName;
    const args = reverted.data.args ?? [];
    // Solidity's require(cond, "message") decodes as Error(string): report the message itself.
    if (name === "Error" && typeof args[0] === "string") return { reason: args[0], args: [] };
    return { reason: name, args };
  }
  return { reason: reverted.reason ?? "reverted without a reason", args: [] };
}

export function createEscrowOps(options: EscrowOpsOptions): EscrowOps {
  const { relayer } = options;
  const addresses = options.addresses ?? CANONICAL_ESCROW_ADDRESSES;
  const client = relayer.publicClient;
  const chainId = relayer.chain.id;
  const operator = relayer.address;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 120_000;
  const hashOf = (info: PaymentInfo): Hex => paymentInfoHash(chainId, addresses.escrow, info);
  let tokenStoreAddress: Address | undefined;

  async function tokenStore(): Promise<Address> {
    tokenStoreAddress ??= await readTokenStore(client, addresses.escrow, operator);
    return tokenStoreAddress;
  }

  type Call =
    | { functionName: "authorize"; args: readonly [PaymentInfo, bigint, Address, Hex] }
    | { functionName: "capture"; args: readonly [PaymentInfo, bigint, bigint, Address] }
    | { functionName: "void"; args: readonly [PaymentInfo] };

  async function simulate(call: Call): Promise<SimulationResult> {
    try {
      await client.simulateContract({
        address: addresses.escrow,
        abi: authCaptureEscrowAbi,
        account: operator,
        ...call,
      } as Parameters<Client["simulateContract"]>[0]);
      return { ok: true };
    } catch (err) {
      const revert = decodeRevert(err);
      if (!revert) throw err; // RPC down, not a verdict on the payment
      return { ok: false, ...revert, message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Simulates, sends through the relayer's nonce queue, waits for the receipt. */
  /** Gas for the call as the operator; a call the chain would reject throws EscrowRevertError (nothing is sent). */
  async function estimateGas(call: Call): Promise<bigint> {
    try {
      return await client.estimateContractGas({
        address: addresses.escrow,
        abi: authCaptureEscrowAbi,
        account: operator,
        ...call,
      } as Parameters<Client["estimateContractGas"]>[0]);
    } catch (err) {
      const revert = decodeRevert(err);
      if (revert) throw new EscrowRevertError(call.functionName, revert.reason, revert.args);
      throw err;
    }
  }

  /**
   * Estimates gas (a full simulation; skipped when the caller already did it) outside the
   * relayer's queue, sends through the queue (sign + broadcast only), then waits for the
   * receipt concurrently with other sends.
   */
  async function send(call: Call, sendOptions: SendOptions = {}): Promise<TransactionReceipt> {
    const gas = sendOptions.gas ?? withGasMargin(await estimateGas(call));
    const data = encodeFunctionData({ abi: authCaptureEscrowAbi, ...call } as Parameters<
      typeof encodeFunctionData<typeof authCaptureEscrowAbi>
    >[0]);
    const txHash = await relayer.send({ to: addresses.escrow, data, gas });
    await sendOptions.onSent?.(txHash);
    let receipt: TransactionReceipt;
    try {
      receipt = await relayer.waitForReceipt(txHash, receiptTimeoutMs);
    } catch (err) {
      throw new EscrowTxPendingError(call.functionName, txHash, err);
    }
    if (receipt.status !== "success") {
      // Mined but reverted (state changed between simulation and inclusion): replay it for the reason.
      const again = await simulate(call).catch(() => null);
      const reason = again && !again.ok ? again.reason : "reverted";
      throw new EscrowRevertError(call.functionName, reason, again && !again.ok ? again.args : [], txHash);
    }
    return receipt;
  }

  return {
    operator,
    addresses,
    chainId,
    hashOf,
    tokenStore,

    simulateAuthorize: (info, amount, collectorData) =>
      simulate({ functionName: "authorize", args: [info, amount, addresses.eip3009Collector, collectorData] }),

    estimateAuthorize: async (info, amount, collectorData) =>
      withGasMargin(
        await estimateGas({
          functionName: "authorize",
          args: [info, amount, addresses.eip3009Collector, collectorData],
        }),
      ),

    async authorize(info, amount, collectorData, sendOptions) {
      const receipt = await send(
        { functionName: "authorize", args: [info, amount, addresses.eip3009Collector, collectorData] },
        sendOptions,
      );
      // Only the escrow's own event is decoded (parseEventLogs hashes every event signature of the ABI per call).
      const log = receipt.logs.find(
        (l) => l.topics[0] === PAYMENT_AUTHORIZED_TOPIC && isAddressEqual(l.address, addresses.escrow),
      );
      const authorized = log
        ? decodeEventLog({ abi: paymentAuthorizedAbi, data: log.data, topics: log.topics })
        : undefined;
      return {
        txHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        paymentInfoHash: hashOf(info),
        amount: authorized?.args.amount ?? 0n,
      };
    },

    async capture(info, amount, feeBps, feeReceiver, sendOptions) {
      const feeAmount = feeAmountFor(amount, feeBps);
      const receipt = await send(
        { functionName: "capture", args: [info, amount, feeAmount, feeReceiver] },
        sendOptions,
      );
      return {
        txHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        paymentInfoHash: hashOf(info),
        amount,
        feeAmount,
        feeReceiver: getAddress(feeReceiver),
      };
    },

    async void(info, sendOptions) {
      const receipt = await send({ functionName: "void", args: [info] }, sendOptions);
      const [voided] = parseEventLogs({ abi: authCaptureEscrowAbi, eventName: "PaymentVoided", logs: receipt.logs });
      return {
        txHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        paymentInfoHash: hashOf(info),
        amount: voided?.args.amount ?? 0n,
      };
    },

    readPaymentState: (hash) => readPaymentState(client, addresses.escrow, hash),

    async readPaymentHistory(info, range) {
      return readPaymentHistory(client, addresses.escrow, info, hashOf(info), await tokenStore(), range);
    },
  };
}

export async function readPaymentState(client: Client, escrow: Address, hash: Hex): Promise<PaymentState> {
  const [hasCollectedPayment, capturableAmount, refundableAmount] = await client.readContract({
    address: escrow,
    abi: authCaptureEscrowAbi,
    functionName: "paymentState",
    args: [hash],
  });
  return { hasCollectedPayment, capturableAmount, refundableAmount };
}

export function readTokenStore(client: Client, escrow: Address, operator: Address): Promise<Address> {
  return client.readContract({
    address: escrow,
    abi: authCaptureEscrowAbi,
    functionName: "getTokenStore",
    args: [operator],
  });
}

const paymentAuthorizedAbi = [getAbiItem({ abi: authCaptureEscrowAbi, name: "PaymentAuthorized" })] as const;
const PAYMENT_AUTHORIZED_TOPIC = toEventSelector(paymentAuthorizedAbi[0]);

const HISTORY_EVENTS = ["PaymentAuthorized", "PaymentCaptured", "PaymentVoided", "PaymentReclaimed"] as const;
/** Topics of the escrow's payment events: each starts a new operation within a transaction. */
const PAYMENT_EVENT_TOPICS = new Set(
  authCaptureEscrowAbi
    .filter((item): item is Extract<typeof item, { type: "event" }> => item.type === "event")
    .filter((event) => event.name.startsWith("Payment"))
    .map((event) => toEventSelector(event)),
);

/**
 * Every authorize/capture/void/reclaim of `info` (whose escrow hash is `hash`), with the token
 * transfers each made, from `fromBlock` to `toBlock` (default: the head).
 */
export async function readPaymentHistory(
  client: Client,
  escrow: Address,
  info: PaymentInfo,
  hash: Hex,
  tokenStore: Address,
  range: { fromBlock: bigint; toBlock?: bigint },
): Promise<PaymentHistory> {
  const history: PaymentHistory = {
    paymentInfoHash: hash,
    tokenStore,
    authorized: [],
    captured: [],
    voided: [],
    reclaimed: [],
  };
  const topic0 = HISTORY_EVENTS.map(
    (eventName) => encodeEventTopics({ abi: authCaptureEscrowAbi, eventName })[0] as Hex,
  );
  const head = range.toBlock ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const logs: Log[] = [];
  for (let start = range.fromBlock; start <= head; start += LOG_WINDOW) {
    const end = start + LOG_WINDOW - 1n < head ? start + LOG_WINDOW - 1n : head;
    const window = await client.request({
      method: "eth_getLogs",
      params: [{ address: escrow, topics: [topic0, hash], fromBlock: toQuantity(start), toBlock: toQuantity(end) }],
    });
    logs.push(...(window as unknown as Log[]));
  }
  const events = parseEventLogs({ abi: authCaptureEscrowAbi, logs, strict: true });
  const receipts = new Map<Hex, Promise<TransactionReceipt>>();
  const receiptOf = (txHash: Hex) => {
    let r = receipts.get(txHash);
    if (!r) receipts.set(txHash, (r = client.getTransactionReceipt({ hash: txHash })));
    return r;
  };

  for (const event of events) {
    if (event.transactionHash === null || event.blockNumber === null || event.logIndex === null) continue;
    const receipt = await receiptOf(event.transactionHash);
    const transfers = transfersAfter(receipt, event.logIndex, escrow, info.token);
    const base = { txHash: event.transactionHash, blockNumber: event.blockNumber, logIndex: event.logIndex, transfers };
    const sum = (pick: (t: TokenTransfer) => boolean) => transfers.filter(pick).reduce((n, t) => n + t.value, 0n);
    switch (event.eventName) {
      case "PaymentAuthorized":
        history.authorized.push({
          ...base,
          amount: event.args.amount,
          tokenCollector: event.args.tokenCollector,
          paymentInfo: { ...event.args.paymentInfo },
          heldInTokenStore: sum((t) => isAddressEqual(t.to, tokenStore)),
        });
        break;
      case "PaymentCaptured": {
        const { amount, feeAmount, feeReceiver } = event.args;
        const fromStore = transfers.filter((t) => isAddressEqual(t.from, tokenStore));
        // The escrow pays the fee first, then the remainder to the receiver.
        const feeTransfer =
          feeAmount > 0n && fromStore[0] && isAddressEqual(fromStore[0].to, feeReceiver) ? fromStore[0] : undefined;
        const rest = feeTransfer ? fromStore.slice(1) : fromStore;
        history.captured.push({
          ...base,
          amount,
          feeAmount,
          feeReceiver,
          paidToFeeReceiver: feeTransfer?.value ?? 0n,
          paidToReceiver: rest.filter((t) => isAddressEqual(t.to, info.receiver)).reduce((n, t) => n + t.value, 0n),
        });
        break;
      }
      case "PaymentVoided":
      case "PaymentReclaimed": {
        const record: ReturnedEvent = {
          ...base,
          amount: event.args.amount,
          returnedToPayer: sum((t) => isAddressEqual(t.from, tokenStore) && isAddressEqual(t.to, info.payer)),
        };
        (event.eventName === "PaymentVoided" ? history.voided : history.reclaimed).push(record);
        break;
      }
    }
  }
  return history;
}

/** The token's Transfer logs after log `logIndex` of the receipt, up to the next payment event of the escrow. */
function transfersAfter(
  receipt: TransactionReceipt,
  logIndex: number,
  escrow: Address,
  token: Address,
): TokenTransfer[] {
  const following = receipt.logs.filter((l) => l.logIndex > logIndex).sort((a, b) => a.logIndex - b.logIndex);
  const segment: Log[] = [];
  for (const log of following) {
    if (isAddressEqual(log.address, escrow) && log.topics[0] && PAYMENT_EVENT_TOPICS.has(log.topics[0])) break;
    if (isAddressEqual(log.address, token)) segment.push(log);
  }
  return parseEventLogs({ abi: erc20TransferEventAbi, logs: segment, strict: true }).map((t) => ({
    from: t.args.from,
    to: t.args.to,
    value: t.args.value,
  }));
}

function toQuantity(n: bigint): Hex {
  return `0x${n.toString(16)}`;
}

/**
 * The buyer's own way out: after `authorizationExpiry`, the payer (and only the payer) takes
 * the remaining hold back. For tests and for a buyer-facing "reclaim" instruction; the
 * server never holds a buyer's key.
 */
export async function reclaimAsPayer(input: {
  chain: Chain;
  transport: Transport;
  payer: Account | Hex;
  info: PaymentInfo;
  escrow?: Address;
}): Promise<EscrowTx & { amount: bigint }> {
  const escrow = input.escrow ?? AUTH_CAPTURE_DEPLOYMENT.escrow;
  const account = typeof input.payer === "string" ? privateKeyToAccount(input.payer) : input.payer;
  const client = createPublicClient({ chain: input.chain, transport: input.transport, pollingInterval: 50 });
  const wallet = createWalletClient({ chain: input.chain, transport: input.transport, account });
  const call = { address: escrow, abi: authCaptureEscrowAbi, functionName: "reclaim", args: [input.info] } as const;
  try {
    await client.simulateContract({ ...call, account });
  } catch (err) {
    const revert = decodeRevert(err);
    if (revert) throw new EscrowRevertError("reclaim", revert.reason, revert.args);
    throw err;
  }
  const txHash = await wallet.writeContract(call);
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new EscrowRevertError("reclaim", "reverted", [], txHash);
  const [reclaimed] = parseEventLogs({ abi: authCaptureEscrowAbi, eventName: "PaymentReclaimed", logs: receipt.logs });
  return {
    txHash,
    blockNumber: receipt.blockNumber,
    paymentInfoHash: paymentInfoHash(input.chain.id, escrow, input.info),
    amount: reclaimed?.args.amount ?? 0n,
  };
}
