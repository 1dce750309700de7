import {
  isAddressEqual,
  parseEventLogs,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { erc20TransferEventAbi } from "../../payments/escrow/contracts";
import { findAuthorizationUse } from "../../payments/chain/usdc-reads";

type Client = PublicClient<Transport, Chain>;

/** 50,000 blocks is more than a day on Base (2 s blocks): any authorization we still hold is younger. */
const LOOKBACK_BLOCKS = 50_000n;

export interface VerifiedTransfer {
  txHash: Hex;
  blockNumber: bigint;
}

/**
 * An exact payment is paid only if a transaction moved `value` of the token from the
 * payer to `payTo`: "the authorization was used" is not enough (the payer can use the
 * same nonce for a transfer to itself, or cancel it). Checks the receipt's Transfer logs.
 */
export async function paidInTransaction(
  client: Client,
  token: Address,
  txHash: Hex,
  expected: { from: Address; to: Address; value: bigint },
): Promise<VerifiedTransfer | null> {
  const receipt = await client.getTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") return null;
  const transfers = parseEventLogs({
    abi: erc20TransferEventAbi,
    logs: receipt.logs.filter((l) => isAddressEqual(l.address, token)),
    strict: true,
  });
  const paid = transfers.some(
    (t) =>
      isAddressEqual(t.args.from, expected.from) &&
      isAddressEqual(t.args.to, expected.to) &&
      t.args.value === expected.value,
  );
  return paid ? { txHash, blockNumber: receipt.blockNumber } : null;
}

/**
 * Where the payer's authorization `nonce` was used on chain, and whether that use paid
 * `to` exactly `value`: `{ paid }` with the transfer, `{ elsewhere }` when it was used for
 * something else (a hijack, a cancellation), null when it is unused.
 */
export async function findExactPayment(
  client: Client,
  token: Address,
  expected: { from: Address; to: Address; value: bigint; nonce: Hex },
  fromBlock?: bigint,
): Promise<{ paid: VerifiedTransfer } | { elsewhere: Hex | null } | null> {
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const start = fromBlock ?? (head > LOOKBACK_BLOCKS ? head - LOOKBACK_BLOCKS : 0n);
  const use = await findAuthorizationUse(client, token, expected.from, expected.nonce, start);
  if (!use) return null;
  const paid = await paidInTransaction(client, token, use.txHash, expected);
  return paid ? { paid } : { elsewhere: use.txHash };
}
