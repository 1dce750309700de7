/**
 * Reads on the network's USDC that payments need: balances (for messages a person can
 * act on) and where an authorization was used (to record a settlement whose sender
 * crashed before writing it down).
 */
import {
  getAddress,
  erc20Abi,
  parseAbiItem,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";

type Client = PublicClient<Transport, Chain>;

const AUTHORIZATION_USED = parseAbiItem("event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)");
/** Most RPC providers cap eth_getLogs ranges; search in windows of this many blocks. */
const LOG_WINDOW = 10_000n;

export function usdcBalance(client: Client, usdc: Address, owner: Address): Promise<bigint> {
  return client.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}

/** Whether the RPC answers at all (facilitators report an unreachable chain as a bad signature). */
export async function chainReachable(client: Client): Promise<boolean> {
  try {
    await client.getBlockNumber({ cacheTime: 0 });
    return true;
  } catch {
    return false;
  }
}

export interface ChainTransfer {
  txHash: Hex;
  blockNumber: bigint;
  /** Whether the transaction that used the authorization succeeded (a used authorization always means yes). */
  success: boolean;
}

/** The transaction in which `authorizer` used `nonce`, searching forward from `fromBlock`; null if none. */
export async function findAuthorizationUse(
  client: Client,
  usdc: Address,
  authorizer: Address,
  nonce: Hex,
  fromBlock: bigint,
): Promise<ChainTransfer | null> {
  const head = await client.getBlockNumber({ cacheTime: 0 });
  for (let start = fromBlock; start <= head; start += LOG_WINDOW) {
    const end = start + LOG_WINDOW - 1n < head ? start + LOG_WINDOW - 1n : head;
    const logs = await client.getLogs({
      address: usdc,
      event: AUTHORIZATION_USED,
      args: { authorizer: getAddress(authorizer), nonce },
      fromBlock: start,
      toBlock: end,
    });
    const log = logs[0];
    if (log?.transactionHash && log.blockNumber !== null) {
      return { txHash: log.transactionHash, blockNumber: log.blockNumber, success: true };
    }
  }
  return null;
}
