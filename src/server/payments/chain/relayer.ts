/**
 * A relayer: the account that sends the marketplace's transactions (escrow `authorize`,
 * `capture`, `void`; EIP-3009 `transferWithAuthorization` for exact) and pays their gas,
 * also wrapped as the signer that @x402/evm's facilitator expects (`FacilitatorEvmSigner`).
 *
 * One relayer account sending concurrently races for transaction nonces (viem reads the
 * pending nonce per transaction, so two settlements in flight get the same one and one
 * fails). Here every transaction of a relayer goes through one queue that hands out nonces
 * from a local counter (read from the node once, and again after any failed send).
 *
 * The queue holds only what must be in nonce order: handing out the nonce and signing.
 * Everything a send needs from the node is known before it enters the queue: gas
 * (estimated by the caller, outside the queue), fees (cached, refreshed in the background)
 * and the chain id. viem 2.57 calls `eth_fillTransaction` (or estimates) unless chainId,
 * nonce, gas and fees are all given, which would put a round trip, and a full simulation,
 * inside the queue. Broadcasts and receipts run outside it, concurrently, so transactions
 * go out back to back (see `send`).
 */
import { toFacilitatorEvmSigner } from "@x402/evm";
import {
  BaseError,
  createPublicClient,
  createWalletClient,
  http,
  NonceTooLowError,
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  FeeCapTooLowError,
  keccak256,
  serializeTransaction,
  TransactionReceiptNotFoundError,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signHash } from "../ecdsa";

export type FacilitatorEvmSigner = ReturnType<typeof toFacilitatorEvmSigner>;

export interface RelayerOptions {
  chain: Chain;
  /** JSON-RPC URL; or pass `transport`. */
  rpcUrl?: string;
  transport?: Transport;
  privateKey: Hex;
  /** Receipt polling interval (viem's default is 4 s; 50 ms suits anvil, ~250 ms suits Base). */
  pollingIntervalMs?: number;
  /** How long a settlement waits for its receipt before reporting `settlement_pending`. Default 120 s. */
  confirmationTimeoutMs?: number;
  /** How long fetched fees are reused before a send refreshes them (in the background). Default 2 s. */
  feeTtlMs?: number;
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A contract call ready to go: `gas` known (estimated by the caller, outside the queue). */
export interface PreparedCall {
  to: Address;
  data: Hex;
  gas: bigint;
}

export interface Relayer {
  address: Address;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The x402 facilitator signer (pass to `registerExactEvmScheme` / `new ExactEvmScheme`). */
  signer: FacilitatorEvmSigner;
  /** Runs `send` with this relayer's next nonce, one transaction at a time. */
  withNonce<T>(send: (nonce: number) => Promise<T>): Promise<T>;
  /** Signs and broadcasts `call` with the next nonce and cached fees: no other RPC in the queue. Returns the hash. */
  send(call: PreparedCall): Promise<Hex>;
  /** EIP-1559 fees for the next sends (cached for `feeTtlMs`). */
  fees(): Promise<Fees>;
  /**
   * A block number no later than the head: the highest this relayer has seen (fees, receipts),
   * asked of the node only the first time. Where to start looking for a transaction sent after it.
   */
  knownBlock(): Promise<bigint>;
  /** The receipt, asked for at once and then at growing intervals up to the polling interval; throws after `timeoutMs`. */
  waitForReceipt(hash: Hex, timeoutMs: number): Promise<TransactionReceipt>;
}

/** Estimates vary a little with state (cold slots, a first deployment): send with a margin. */
export const withGasMargin = (estimated: bigint) => (estimated * 6n) / 5n + 10_000n;

/**
 * Why a node refused a broadcast, from its message (nodes word these alike; viem maps only
 * some of them to typed errors, and only for `sendTransaction`).
 */
function broadcastRefusal(err: unknown): "nonce_taken" | "fee_too_low" | "already_known" | null {
  if (err instanceof BaseError && err.walk((e) => e instanceof NonceTooLowError)) return "nonce_taken";
  if (err instanceof BaseError && err.walk((e) => e instanceof FeeCapTooLowError)) return "fee_too_low";
  const text = err instanceof BaseError ? `${err.details} ${err.shortMessage}` : String(err);
  if (/already known|already imported/i.test(text)) return "already_known";
  if (/nonce too low|replacement transaction underpriced|nonce.*already used/i.test(text)) return "nonce_taken";
  if (/max fee per gas less than block base fee|fee cap less than block base fee/i.test(text)) return "fee_too_low";
  return null;
}

/** Fees that survive a few blocks of base-fee growth (12.5% a block at most): 2 × base fee + tip. */
const BASE_FEE_HEADROOM = 2n;

/** Minimal shape of the calls the x402 signer forwards; viem's generics are too narrow for `abi: unknown[]`. */
type LooseContractCall = {
  address: Address;
  abi: readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
};

export function createRelayer(options: RelayerOptions): Relayer {
  const transport = options.transport ?? http(options.rpcUrl);
  const account = privateKeyToAccount(options.privateKey);
  const pollingInterval = options.pollingIntervalMs ?? 250;
  const publicClient = createPublicClient({
    chain: options.chain,
    transport,
    pollingInterval,
  });
  const walletClient = createWalletClient({
    chain: options.chain,
    transport,
    account,
    pollingInterval,
  });

  let nextNonce: number | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier one has finished: the one place nonces are handed out. */
  function inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const result = tail.then(fn, fn);
    tail = result.catch(() => undefined);
    return result;
  }

  async function takeNonce(): Promise<number> {
    nextNonce ??= await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
    return nextNonce++;
  }

  function withNonce<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const attempt = () =>
      inOrder(async () => {
        const nonce = await takeNonce();
        try {
          return await send(nonce);
        } catch (err) {
          // Unknown whether the nonce was used (e.g. gas estimation failed, or the node
          // rejected it): ask the node again next time.
          nextNonce = undefined;
          throw err;
        }
      });
    // "Nonce too low" means this transaction was not accepted: something else sent from
    // the same account. Retry once with a fresh nonce.
    return attempt().catch((err: unknown) => {
      if (broadcastRefusal(err) === "nonce_taken") return attempt();
      throw err;
    });
  }

  const feeTtlMs = options.feeTtlMs ?? 2_000;
  let cachedFees: { fees: Fees; at: number } | undefined;
  let seenBlock: bigint | undefined;
  const sawBlock = (n: bigint) => {
    if (seenBlock === undefined || n > seenBlock) seenBlock = n;
  };
  let refreshing: Promise<Fees> | undefined;
  function refreshFees(): Promise<Fees> {
    refreshing ??= (async () => {
      try {
        const [block, tip] = await Promise.all([
          publicClient.getBlock({ blockTag: "latest" }),
          publicClient.estimateMaxPriorityFeePerGas().catch(() => 0n),
        ]);
        sawBlock(block.number);
        const base = block.baseFeePerGas ?? 0n;
        const fees = { maxFeePerGas: base * BASE_FEE_HEADROOM + tip, maxPriorityFeePerGas: tip };
        cachedFees = { fees, at: Date.now() };
        return fees;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }
  async function fees(): Promise<Fees> {
    if (!cachedFees) return refreshFees();
    // Stale: this send uses the cached fees, the next ones get fresh ones.
    if (Date.now() - cachedFees.at > feeTtlMs) refreshFees().catch(() => undefined);
    return cachedFees.fees;
  }

  /** Signs in the queue: with the native curve when it loads (see ecdsa.ts), as viem's account would. */
  async function sign(call: PreparedCall, nonce: number, feesNow: Fees): Promise<Hex> {
    const tx = {
      chainId: options.chain.id,
      type: "eip1559",
      to: call.to,
      data: call.data,
      gas: call.gas,
      nonce,
      ...feesNow,
    } as const;
    return serializeTransaction(tx, await signHash(keccak256(serializeTransaction(tx)), options.privateKey));
  }

  async function broadcast(signed: Hex): Promise<Hex> {
    try {
      return await publicClient.sendRawTransaction({ serializedTransaction: signed });
    } catch (err) {
      if (broadcastRefusal(err) === "already_known") return keccak256(signed); // a retry of one that arrived
      throw err;
    }
  }

  /**
   * Sends in nonce order: the queue hands out the nonce, signs (no RPC: chain id, nonce,
   * gas and fees are all given) and broadcasts; the receipt is awaited outside it. Broadcasts
   * stay inside the queue so a nonce reaches the node only after its predecessor was accepted:
   * sent concurrently, one failed or slow broadcast left a gap that held every later
   * transaction unmined (seen under load in CI), and no later send might come to fill it.
   */
  async function send(call: PreparedCall): Promise<Hex> {
    const feesNow = await fees();
    return inOrder(async () => {
      for (let attempt = 0; ; attempt++) {
        const nonce = await takeNonce();
        try {
          return await broadcast(await sign(call, nonce, feesNow));
        } catch (err) {
          const refusal = broadcastRefusal(err);
          // The base fee outgrew the cached fees: the same nonce with fresh fees fills our slot.
          if (refusal === "fee_too_low") {
            try {
              return await broadcast(await sign(call, nonce, await refreshFees()));
            } catch (again) {
              nextNonce = undefined;
              throw again;
            }
          }
          // Someone else used our nonces (a demo mint, an operator script): skip past them, once.
          if (refusal === "nonce_taken" && attempt === 0) {
            const pending = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
            nextNonce = Math.max(nextNonce ?? 0, pending);
            continue;
          }
          // Not accepted: every earlier nonce was, so the node's count is where we go on.
          nextNonce = undefined;
          throw err;
        }
      }
    });
  }

  async function waitForReceipt(hash: Hex, timeoutMs: number): Promise<TransactionReceipt> {
    const deadline = Date.now() + timeoutMs;
    // A local chain mines at once; a real one takes seconds: ask at once, then back off to the polling interval.
    for (let delay = 2; ; delay = Math.min(delay * 2, pollingInterval)) {
      try {
        const receipt = await publicClient.getTransactionReceipt({ hash });
        sawBlock(receipt.blockNumber);
        return receipt;
      } catch (err) {
        if (!(err instanceof TransactionReceiptNotFoundError)) throw err;
      }
      if (Date.now() + delay > deadline) {
        throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * The x402 facilitator's writes (exact: `transferWithAuthorization`). Unlike the escrow's
   * sends, these estimate gas inside the queue: the stock facilitator does not dedupe a
   * payload settled twice at once, and an estimate after the first one landed is what turns
   * the second into a clear "nonce already used" instead of a reverted transaction. Our
   * exact submissions are deduped by the database before they get here; this path is rare.
   */
  async function writeForFacilitator(call: { to: Address; data: Hex; gas?: bigint }): Promise<Hex> {
    const feesNow = await fees();
    return withNonce(async (nonce) => {
      const gas =
        call.gas ??
        withGasMargin(await publicClient.estimateGas({ account: account.address, to: call.to, data: call.data }));
      return walletClient.sendTransaction({
        to: call.to,
        data: call.data,
        gas,
        nonce,
        chainId: options.chain.id,
        type: "eip1559",
        ...feesNow,
      } as Parameters<typeof walletClient.sendTransaction>[0]);
    });
  }

  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      readContract: (args) =>
        publicClient.readContract(args as LooseContractCall as Parameters<typeof publicClient.readContract>[0]),
      verifyTypedData: (args) =>
        publicClient.verifyTypedData(args as unknown as Parameters<typeof publicClient.verifyTypedData>[0]),
      writeContract: (args) => {
        const data = encodeFunctionData({ abi: args.abi as Abi, functionName: args.functionName, args: args.args });
        return writeForFacilitator({
          to: args.address,
          data: args.dataSuffix ? (`${data}${args.dataSuffix.slice(2)}` as Hex) : data,
          gas: args.gas,
        });
      },
      sendTransaction: (args) => writeForFacilitator({ to: args.to, data: args.data }),
      waitForTransactionReceipt: (args) => waitForReceipt(args.hash, options.confirmationTimeoutMs ?? 120_000),
      getCode: (args) => publicClient.getCode(args),
    },
    { confirmationTimeoutMs: options.confirmationTimeoutMs ?? 120_000 },
  );

  return {
    address: account.address,
    chain: options.chain,
    publicClient,
    walletClient,
    signer,
    withNonce,
    send,
    fees,
    waitForReceipt,
    async knownBlock() {
      if (seenBlock === undefined) sawBlock(await publicClient.getBlockNumber({ cacheTime: 0 }));
      return seenBlock!;
    },
  };
}
