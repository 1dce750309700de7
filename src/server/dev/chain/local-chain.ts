/**
 * Prepares a local anvil chain for x402 payments:
 *  - Multicall3's runtime code at its canonical address (the x402 facilitator uses it),
 *  - TestUSDC (EIP-3009, domain "USD Coin"/"2", 6 decimals) deployed with CREATE2 through
 *    anvil's built-in deterministic deployment proxy, so its address is the same on every
 *    fresh or reused anvil (it depends only on the bytecode and constructor arguments),
 *  - our auth-capture escrow, EIP-3009 token collector and operator refund collector
 *    (contracts/AuthCaptureEscrow.sol, contracts/ERC3009PaymentCollector.sol) at the canonical
 *    commerce-payments v1.1 addresses, so a stock x402 auth-capture client's signatures (whose
 *    nonce commits to the escrow address and whose `to` is the collector) verify here,
 *  - the demo buyer (anvil account 1) topped up to 1,000 USDC.
 * Idempotent: calling it again on the same chain deploys nothing and only tops up.
 */
import {
  concat,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  encodeDeployData,
  getContractAddress,
  http,
  keccak256,
  toHex,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { anvilAccount, DEMO_BUYER_ACCOUNT_INDEX, DEPLOYER_ACCOUNT_INDEX, type KeyPair } from "./accounts";
import { AUTH_CAPTURE_DEPLOYMENT } from "../../payments/escrow/contracts";
import {
  authCaptureEscrowAbi,
  authCaptureEscrowBytecode,
  erc3009PaymentCollectorAbi,
  erc3009PaymentCollectorBytecode,
  multicall3DeployedBytecode,
  operatorRefundCollectorAbi,
  operatorRefundCollectorBytecode,
  testUsdcAbi,
  testUsdcBytecode,
} from "./artifacts";

/** Canonical Multicall3 address (same on every chain that has it). */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";
/** The deterministic deployment proxy anvil installs by default (disable with --no-create2). */
export const CREATE2_DEPLOYER_ADDRESS: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
export const TEST_USDC_SALT: Hex = keccak256(toHex("computeswarm/TestUSDC"));

export interface TestUsdcParams {
  /** EIP-712 domain name and ERC-20 name. */
  name: string;
  symbol: string;
  /** EIP-712 domain version. */
  version: string;
  /** Who may mint. */
  owner: Address;
}

export const LOCAL_USDC_DECIMALS = 6;
export const DEFAULT_DEMO_BUYER_FUNDS = 1_000n * 10n ** 6n; // 1,000 USDC in atomic units

/** Anvil account 0 of the standard test mnemonic (checked against the derivation in a test). */
export const ANVIL_DEPLOYER_ADDRESS: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export function defaultTestUsdcParams(): TestUsdcParams {
  return {
    name: "USD Coin",
    symbol: "USDC",
    version: "2",
    owner: ANVIL_DEPLOYER_ADDRESS,
  };
}

/** Creation code plus ABI-encoded constructor arguments. */
export function testUsdcDeployData(params: TestUsdcParams = defaultTestUsdcParams()): Hex {
  return encodeDeployData({
    abi: testUsdcAbi,
    bytecode: testUsdcBytecode,
    args: [params.name, params.symbol, params.version, params.owner],
  });
}

/** The address TestUSDC with these parameters has on any chain with the CREATE2 proxy. */
export function predictTestUsdcAddress(params: TestUsdcParams = defaultTestUsdcParams()): Address {
  return getContractAddress({
    opcode: "CREATE2",
    from: CREATE2_DEPLOYER_ADDRESS,
    salt: TEST_USDC_SALT,
    bytecode: testUsdcDeployData(params),
  });
}

let defaultAddress: Address | undefined;
/** Address of the default local TestUSDC ("USD Coin", "2", owned by anvil account 0). */
export function localUsdcAddress(): Address {
  defaultAddress ??= predictTestUsdcAddress();
  return defaultAddress;
}

/** A viem chain for a local anvil at `rpcUrl`. */
export function localViemChain(rpcUrl: string, chainId: number = foundry.id): Chain {
  return defineChain({
    ...foundry,
    id: chainId,
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export interface LocalChain {
  rpcUrl: string;
  chainId: number;
  usdcAddress: Address;
  usdc: { name: string; version: string; symbol: string; decimals: number };
  multicall3Address: Address;
  /** Our auth-capture contracts, installed at the canonical v1.1 addresses. */
  escrow: LocalEscrowAddresses;
  /** Deploys and owns TestUSDC (anvil account 0). */
  deployer: KeyPair;
  /** Sends settlement transactions (anvil account 0: the same key as the deployer). */
  relayer: KeyPair;
  /** Funded buyer for demos and tests (anvil account 1). */
  demoBuyer: KeyPair;
}

export interface LocalEscrowAddresses {
  escrow: Address;
  eip3009Collector: Address;
  operatorRefundCollector: Address;
}

/**
 * Runtime code of our escrow contracts as their constructors leave it (immutables filled in:
 * the collectors point at the canonical escrow and Multicall3). Obtained by running each
 * creation code in an eth_call, which executes the constructor exactly as a deployment would
 * and returns the runtime code, without sending a transaction.
 */
async function escrowRuntimeCode(client: PublicClient): Promise<{ address: Address; code: Hex }[]> {
  const creations: { address: Address; data: Hex }[] = [
    {
      address: AUTH_CAPTURE_DEPLOYMENT.escrow,
      data: encodeDeployData({ abi: authCaptureEscrowAbi, bytecode: authCaptureEscrowBytecode }),
    },
    {
      address: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
      data: encodeDeployData({
        abi: erc3009PaymentCollectorAbi,
        bytecode: erc3009PaymentCollectorBytecode,
        args: [AUTH_CAPTURE_DEPLOYMENT.escrow, MULTICALL3_ADDRESS],
      }),
    },
    {
      address: AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
      data: encodeDeployData({
        abi: operatorRefundCollectorAbi,
        bytecode: operatorRefundCollectorBytecode,
        args: [AUTH_CAPTURE_DEPLOYMENT.escrow],
      }),
    },
  ];
  return Promise.all(
    creations.map(async ({ address, data }) => {
      const code = (await client.request({ method: "eth_call", params: [{ data }, "latest"] })) as Hex;
      if (!code || code === "0x") throw new Error(`setupLocalChain: constructor for ${address} returned no code`);
      return { address, code };
    }),
  );
}

export interface SetupLocalChainOptions {
  /** Atomic USDC units the demo buyer holds afterwards (topped up, never reduced). Default 1,000 USDC. */
  demoBuyerFunds?: bigint;
  /** Token domain overrides (default "USD Coin" / "2" / "USDC"). */
  token?: Partial<Pick<TestUsdcParams, "name" | "version" | "symbol">>;
}

export async function setupLocalChain(rpcUrl: string, options: SetupLocalChainOptions = {}): Promise<LocalChain> {
  const deployer = anvilAccount(DEPLOYER_ACCOUNT_INDEX);
  const demoBuyer = anvilAccount(DEMO_BUYER_ACCOUNT_INDEX);
  const params: TestUsdcParams = {
    ...defaultTestUsdcParams(),
    ...options.token,
    owner: deployer.address,
  };

  const probe = createPublicClient({ transport: http(rpcUrl) });
  const chainId = await probe.getChainId();
  const chain = localViemChain(rpcUrl, chainId);
  const publicClient = createPublicClient({
    chain,
    transport: http(rpcUrl),
    pollingInterval: 50,
  });
  const wallet = createWalletClient({
    chain,
    transport: http(rpcUrl),
    account: privateKeyToAccount(deployer.privateKey),
    pollingInterval: 50,
  });

  // Multicall3 (anvil ships without it).
  if ((await publicClient.getCode({ address: MULTICALL3_ADDRESS })) !== multicall3DeployedBytecode) {
    const testClient = createTestClient({
      chain,
      mode: "anvil",
      transport: http(rpcUrl),
    });
    await testClient.setCode({
      address: MULTICALL3_ADDRESS,
      bytecode: multicall3DeployedBytecode,
    });
  }

  // The auth-capture escrow and its collectors at the canonical addresses (replaced when our contracts changed).
  for (const { address, code } of await escrowRuntimeCode(publicClient)) {
    if ((await publicClient.getCode({ address })) !== code) {
      await createTestClient({ chain, mode: "anvil", transport: http(rpcUrl) }).setCode({ address, bytecode: code });
    }
  }

  // TestUSDC via CREATE2.
  const usdcAddress = predictTestUsdcAddress(params);
  if (!(await publicClient.getCode({ address: usdcAddress }))) {
    if (!(await publicClient.getCode({ address: CREATE2_DEPLOYER_ADDRESS }))) {
      throw new Error(
        `setupLocalChain: no CREATE2 deployer at ${CREATE2_DEPLOYER_ADDRESS} (was anvil started with --no-create2?)`,
      );
    }
    const hash = await wallet.sendTransaction({
      to: CREATE2_DEPLOYER_ADDRESS,
      data: concat([TEST_USDC_SALT, testUsdcDeployData(params)]),
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !(await publicClient.getCode({ address: usdcAddress }))) {
      throw new Error(`setupLocalChain: TestUSDC deployment failed (tx ${hash})`);
    }
  }

  // Fund the demo buyer.
  const target = options.demoBuyerFunds ?? DEFAULT_DEMO_BUYER_FUNDS;
  const balance = await publicClient.readContract({
    address: usdcAddress,
    abi: testUsdcAbi,
    functionName: "balanceOf",
    args: [demoBuyer.address],
  });
  if (balance < target) {
    const hash = await wallet.writeContract({
      address: usdcAddress,
      abi: testUsdcAbi,
      functionName: "mint",
      args: [demoBuyer.address, target - balance],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`setupLocalChain: minting failed (tx ${hash})`);
  }

  return {
    rpcUrl,
    chainId,
    usdcAddress,
    usdc: {
      name: params.name,
      version: params.version,
      symbol: params.symbol,
      decimals: LOCAL_USDC_DECIMALS,
    },
    multicall3Address: MULTICALL3_ADDRESS,
    escrow: {
      escrow: AUTH_CAPTURE_DEPLOYMENT.escrow,
      eip3009Collector: AUTH_CAPTURE_DEPLOYMENT.eip3009Collector,
      operatorRefundCollector: AUTH_CAPTURE_DEPLOYMENT.operatorRefundCollector,
    },
    deployer,
    relayer: deployer,
    demoBuyer,
  };
}

/** Mints test USDC (atomic units) to `to`, as the token owner (anvil account 0). For tests and demos. */
export async function mintTestUsdc(
  rpcUrl: string,
  to: Address,
  amount: bigint,
  usdcAddress: Address = localUsdcAddress(),
): Promise<Hex> {
  const probe = createPublicClient({ transport: http(rpcUrl) });
  const chain = localViemChain(rpcUrl, await probe.getChainId());
  const publicClient = createPublicClient({
    chain,
    transport: http(rpcUrl),
    pollingInterval: 50,
  });
  const wallet = createWalletClient({
    chain,
    transport: http(rpcUrl),
    account: privateKeyToAccount(anvilAccount(DEPLOYER_ACCOUNT_INDEX).privateKey),
  });
  const hash = await wallet.writeContract({
    address: usdcAddress,
    abi: testUsdcAbi,
    functionName: "mint",
    args: [to, amount],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`mintTestUsdc failed (tx ${hash})`);
  return hash;
}
