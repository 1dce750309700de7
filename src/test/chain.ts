/**
 * A real local chain for payment tests: anvil on a free port with TestUSDC, our auth-capture
 * escrow and collectors at the canonical addresses, and the funded demo buyer, plus
 * wallet-side helpers that sign payments exactly as an x402 wallet does (ExactEvmScheme
 * from @x402/evm/exact/client).
 */
import { ExactEvmScheme } from "@x402/evm/exact/client";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import {
  createPublicClient,
  http,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { anvilAccount } from "../server/dev/chain/accounts";
import { startAnvil, type AnvilInstance } from "../server/dev/chain/anvil";
import { testUsdcAbi } from "../server/dev/chain/artifacts";
import type { Eip3009Authorization } from "../server/payments/chain/eip3009";
import { createSignedAuthorization } from "../server/dev/chain/eip3009-signing";
import {
  localViemChain,
  mintTestUsdc,
  setupLocalChain,
  type LocalChain,
  type LocalEscrowAddresses,
} from "../server/dev/chain/local-chain";
import { readPaymentState, readTokenStore, type PaymentState } from "../server/payments/escrow/escrow-ops";

export interface TestChain {
  anvil: AnvilInstance;
  rpcUrl: string;
  local: LocalChain;
  usdc: Address;
  client: PublicClient<Transport, Chain>;
  balance(owner: Address): Promise<bigint>;
  mint(to: Address, amount: bigint): Promise<void>;
  authorizationUsed(from: Address, nonce: Hex): Promise<boolean>;
  /** Where our escrow and its collectors sit (the canonical v1.1 addresses). */
  escrow: LocalEscrowAddresses;
  /** The escrow's state for a payment (by its paymentInfoHash). */
  escrowState(paymentInfoHash: Hex): Promise<PaymentState>;
  /** USDC held in escrow for `operator` (its token store's balance). */
  escrowBalance(operator: Address): Promise<bigint>;
  stop(): Promise<void>;
}

export async function startTestChain(): Promise<TestChain> {
  const anvil = await startAnvil();
  const local = await setupLocalChain(anvil.rpcUrl);
  const client = createPublicClient({ chain: localViemChain(anvil.rpcUrl), transport: http(anvil.rpcUrl) });
  const usdc = local.usdcAddress;
  return {
    anvil,
    rpcUrl: anvil.rpcUrl,
    local,
    usdc,
    client,
    balance: (owner) =>
      client.readContract({ address: usdc, abi: testUsdcAbi, functionName: "balanceOf", args: [owner] }),
    mint: async (to, amount) => {
      await mintTestUsdc(anvil.rpcUrl, to, amount, usdc);
    },
    authorizationUsed: (from, nonce) =>
      client.readContract({ address: usdc, abi: testUsdcAbi, functionName: "authorizationState", args: [from, nonce] }),
    escrow: local.escrow,
    escrowState: (hash) => readPaymentState(client, local.escrow.escrow, hash),
    escrowBalance: async (operator) =>
      client.readContract({
        address: usdc,
        abi: testUsdcAbi,
        functionName: "balanceOf",
        args: [await readTokenStore(client, local.escrow.escrow, operator)],
      }),
    stop: () => anvil.stop(),
  };
}

/** Anvil's funded demo buyer (account 1) and other well-known accounts, as wallets. */
export const anvilWallet = (index: number): LocalAccount => privateKeyToAccount(anvilAccount(index).privateKey);

/** What a wallet using x402 sends for these requirements. */
export async function signPayment(account: LocalAccount, requirements: PaymentRequirements): Promise<PaymentPayload> {
  const result = await new ExactEvmScheme(account).createPaymentPayload(2, requirements);
  return {
    x402Version: result.x402Version,
    accepted: requirements,
    payload: result.payload,
    resource: { url: "http://localhost/api/x402/jobs" },
  };
}

/** A payment with hand-picked authorization fields (ones no honest client produces). */
export async function signPaymentWith(
  account: LocalAccount,
  requirements: PaymentRequirements,
  auth: Partial<Eip3009Authorization>,
  domain: { chainId?: number; asset?: Address } = {},
): Promise<PaymentPayload> {
  const { authorization, signature } = await createSignedAuthorization(
    account,
    {
      address: domain.asset ?? (requirements.asset as Address),
      name: String(requirements.extra.name),
      version: String(requirements.extra.version),
      chainId: domain.chainId ?? Number(requirements.network.split(":")[1]),
    },
    {
      to: requirements.payTo as Address,
      value: requirements.amount,
      maxTimeoutSeconds: requirements.maxTimeoutSeconds,
      ...auth,
    },
  );
  return { x402Version: 2, accepted: requirements, payload: { authorization, signature } };
}

export const encodeHeader = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64");
export const authorizationOf = (p: PaymentPayload) =>
  (p.payload as { authorization: Eip3009Authorization }).authorization;
