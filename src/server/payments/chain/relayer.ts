/**
 * A relayer: the account that sends settlement transactions (EIP-3009
 * `transferWithAuthorization`) and pays their gas, wrapped as the signer that
 * @x402/evm's facilitator expects (`FacilitatorEvmSigner`).
 *
 * One relayer account sending concurrently races for transaction nonces (viem reads the
 * pending nonce per transaction, so two settlements in flight get the same one and one
 * fails). Here every transaction of a relayer goes through one queue that hands out nonces
 * in order; only the broadcast is serialized, receipts are awaited in parallel.
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
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

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
}

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

  function withNonce<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const attempt = async (): Promise<T> => {
      nextNonce ??= await publicClient.getTransactionCount({
        address: account.address,
        blockTag: "pending",
      });
      const nonce = nextNonce;
      try {
        const result = await send(nonce);
        nextNonce = nonce + 1;
        return result;
      } catch (err) {
        // Unknown whether the nonce was used (e.g. gas estimation failed, or the node
        // rejected it): ask the node again next time.
        nextNonce = undefined;
        throw err;
      }
    };
    // "Nonce too low" means this transaction was not accepted: something else (a demo
    // mint, an operator script) sent from the same account. Retry once with a fresh nonce.
    const run = async (): Promise<T> => {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof BaseError && err.walk((e) => e instanceof NonceTooLowError)) return attempt();
        throw err;
      }
    };
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  }

  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      readContract: (args) =>
        publicClient.readContract(args as LooseContractCall as Parameters<typeof publicClient.readContract>[0]),
      verifyTypedData: (args) =>
        publicClient.verifyTypedData(args as unknown as Parameters<typeof publicClient.verifyTypedData>[0]),
      writeContract: (args) =>
        withNonce((nonce) =>
          walletClient.writeContract({
            address: args.address,
            abi: args.abi as Abi,
            functionName: args.functionName,
            args: args.args,
            gas: args.gas,
            dataSuffix: args.dataSuffix,
            nonce,
          } as Parameters<typeof walletClient.writeContract>[0]),
        ),
      sendTransaction: (args) =>
        withNonce((nonce) => walletClient.sendTransaction({ to: args.to, data: args.data, nonce })),
      waitForTransactionReceipt: (args) => publicClient.waitForTransactionReceipt(args),
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
  };
}
