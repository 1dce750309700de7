/**
 * The relayer's nonce queue on a real anvil: concurrent sends get distinct, contiguous
 * nonces and all land; the queue asks the node for nothing but the broadcast (no gas
 * estimate, no eth_fillTransaction); a nonce used behind its back, or a base fee above the
 * cached fees, is recovered from without losing the send.
 */
import { createPublicClient, createWalletClient, http, parseGwei, type EIP1193RequestFn } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { anvilAccount } from "../../dev/chain/accounts";
import { startAnvil, type AnvilInstance } from "../../dev/chain/anvil";
import { localViemChain } from "../../dev/chain/local-chain";
import { createRelayer, type Relayer } from "./relayer";

const RELAYER_INDEX = 3;
const to = anvilAccount(4).address;
const plainTransfer = { to, data: "0x" as const, gas: 21_000n };

let anvil: AnvilInstance;
/** JSON-RPC methods the relayer sent, in order. */
const methods: string[] = [];
/** Broadcasts (counted from 1) that fail as if the connection dropped before the node saw them. */
let droppedBroadcasts = new Set<number>();
let broadcasts = 0;

function relayerOnAnvil(): Relayer {
  const transport = http(anvil.rpcUrl);
  broadcasts = 0;
  return createRelayer({
    chain: localViemChain(anvil.rpcUrl),
    // Record every method the relayer's clients send.
    transport: (params) => {
      const inner = transport(params);
      const request: EIP1193RequestFn = async (args, options) => {
        methods.push(args.method);
        if (args.method === "eth_sendRawTransaction" && droppedBroadcasts.has(++broadcasts)) {
          throw new Error("socket hang up");
        }
        return inner.request(args, options);
      };
      return { ...inner, request };
    },
    privateKey: anvilAccount(RELAYER_INDEX).privateKey,
    pollingIntervalMs: 50,
  });
}

beforeAll(async () => {
  anvil = await startAnvil();
});

afterAll(async () => {
  await anvil?.stop();
});

describe("relayer", () => {
  it("concurrent sends get distinct, contiguous nonces and all land", async () => {
    const relayer = relayerOnAnvil();
    const hashes = await Promise.all(Array.from({ length: 40 }, () => relayer.send(plainTransfer)));
    const receipts = await Promise.all(hashes.map((h) => relayer.waitForReceipt(h, 10_000)));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    const txs = await Promise.all(hashes.map((hash) => relayer.publicClient.getTransaction({ hash })));
    const nonces = txs.map((t) => t.nonce).sort((a, b) => a - b);
    expect(new Set(nonces).size).toBe(40);
    expect(nonces.at(-1)! - nonces[0]!).toBe(39);
  });

  it("puts only the broadcast in the queue: no gas estimate, no eth_fillTransaction, fees cached", async () => {
    const relayer = relayerOnAnvil();
    await relayer.waitForReceipt(await relayer.send(plainTransfer), 10_000); // nonce and fees fetched once
    methods.length = 0;
    const hashes = await Promise.all(Array.from({ length: 5 }, () => relayer.send(plainTransfer)));
    await Promise.all(hashes.map((h) => relayer.waitForReceipt(h, 10_000)));
    expect(methods.filter((m) => m !== "eth_getTransactionReceipt")).toEqual(
      Array.from({ length: 5 }, () => "eth_sendRawTransaction"),
    );
  });

  it("a nonce used behind its back: the send resyncs with the node and lands", async () => {
    const relayer = relayerOnAnvil();
    await relayer.waitForReceipt(await relayer.send(plainTransfer), 10_000); // the local counter is set
    // Someone else sends from the same account (an operator script): the counter is now stale.
    const account = privateKeyToAccount(anvilAccount(RELAYER_INDEX).privateKey);
    const chain = localViemChain(anvil.rpcUrl);
    const outsider = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) });
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    await client.waitForTransactionReceipt({ hash: await outsider.sendTransaction({ to, value: 1n }) });

    methods.length = 0;
    const hash = await relayer.send(plainTransfer);
    expect((await relayer.waitForReceipt(hash, 10_000)).status).toBe("success");
    // Refused once (nonce too low), asked the node for the pending nonce, sent again.
    expect(methods.filter((m) => m !== "eth_getTransactionReceipt")).toEqual([
      "eth_sendRawTransaction",
      "eth_getTransactionCount",
      "eth_sendRawTransaction",
    ]);
    const tx = await client.getTransaction({ hash });
    expect(tx.nonce).toBe((await client.getTransactionCount({ address: account.address })) - 1);
  });

  it("a base fee above the cached fees: fresh fees, and the send lands", async () => {
    const relayer = relayerOnAnvil();
    await relayer.waitForReceipt(await relayer.send(plainTransfer), 10_000); // fees cached at today's base fee
    const cached = await relayer.fees();
    await relayer.publicClient.request({
      method: "anvil_setNextBlockBaseFeePerGas" as "eth_chainId",
      params: [`0x${(cached.maxFeePerGas * 10n + parseGwei("1")).toString(16)}`] as unknown as undefined,
    });
    await relayer.publicClient.request({ method: "evm_mine" as "eth_chainId" });
    const hash = await relayer.send(plainTransfer);
    expect((await relayer.waitForReceipt(hash, 10_000)).status).toBe("success");
    expect((await relayer.fees()).maxFeePerGas).toBeGreaterThan(cached.maxFeePerGas);
  });

  it("a broadcast lost in the middle of a burst: that send fails, the gap is filled by the next send, nothing is stranded", async () => {
    const relayer = relayerOnAnvil();
    droppedBroadcasts = new Set([3]);
    try {
      const sent = await Promise.allSettled(Array.from({ length: 10 }, () => relayer.send(plainTransfer)));
      expect(sent.filter((s) => s.status === "rejected")).toHaveLength(1);
      const hashes = sent.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      hashes.push(await relayer.send(plainTransfer)); // takes the lost nonce: the ones after it can be mined
      const receipts = await Promise.all(hashes.map((h) => relayer.waitForReceipt(h, 10_000)));
      expect(receipts.every((r) => r.status === "success")).toBe(true);
      expect(receipts).toHaveLength(10);
    } finally {
      droppedBroadcasts = new Set();
    }
  });

  it("knows a block at or before the head without asking each time", async () => {
    const relayer = relayerOnAnvil();
    const receipt = await relayer.waitForReceipt(await relayer.send(plainTransfer), 10_000);
    methods.length = 0;
    expect(await relayer.knownBlock()).toBe(receipt.blockNumber);
    expect(methods).toEqual([]);
  });
});
