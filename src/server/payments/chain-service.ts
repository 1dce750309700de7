/**
 * The chain the marketplace is paid on, created once per Deps from the environment:
 *  - CHAIN=local, no RPC_URL: the embedded default. anvil from node_modules is started
 *    once per process (stopped by pid when the process exits) and prepared with
 *    setupLocalChain (Multicall3, TestUSDC, funded demo buyer). CHAIN=local's code lives
 *    in server/dev and is loaded only for it.
 *  - CHAIN=local with RPC_URL: someone else's anvil (compose, tests): setupLocalChain
 *    against it (idempotent).
 *  - CHAIN=base | base-sepolia: the NETWORKS entry, the RPC at RPC_URL.
 * The relayer key is RELAYER_PRIVATE_KEY (local default: anvil account 0); the
 * facilitator is remote when FACILITATOR_URL is set, otherwise in-process.
 */
import path from "node:path";
import { createPublicClient, defineChain, http, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import type { Deps } from "../deps";
import type { Env } from "../env";
import type { KeyPair } from "../dev/chain/accounts";
import { loadLocalDev, localDev, localDevIfLoaded } from "../dev/load";
import { createRelayer, type Relayer } from "./chain/relayer";
import { createInProcessFacilitator } from "./facilitator/in-process";
import { createRemoteFacilitator } from "./facilitator/remote";
import type { Facilitator } from "./facilitator/types";
import { getNetwork, type NetworkConfig } from "./networks";

export interface ChainService {
  network: NetworkConfig;
  rpcUrl: string;
  /** True when this process started the anvil it uses (the embedded default). */
  embedded: boolean;
  publicClient: PublicClient<Transport, Chain>;
  /** Sends settlements with the in-process facilitator; null with a remote facilitator and no key. */
  relayer: Relayer | null;
  facilitator: Facilitator;
  /** The funded demo buyer on a local chain; null on real networks. */
  demoBuyer: KeyPair | null;
}

export type ChainEnv = Pick<Env, "CHAIN" | "RPC_URL" | "RELAYER_PRIVATE_KEY" | "FACILITATOR_URL" | "USDC_DOMAIN_NAME"> &
  Partial<Pick<Env, "DATA_DIR">>;

/**
 * The network payments are quoted on, from the environment alone (no RPC): quotes
 * never wait for a chain. The local TestUSDC's address is deterministic (CREATE2).
 */
export function paymentNetwork(env: Pick<Env, "CHAIN" | "USDC_DOMAIN_NAME">): NetworkConfig {
  const name = env.USDC_DOMAIN_NAME;
  if (env.CHAIN === "local") {
    // Another domain name is another TestUSDC, at the CREATE2 address of its creation code.
    const dev = localDev();
    const usdcAddress = name ? dev.predictTestUsdcAddress({ ...dev.defaultTestUsdcParams(), name }) : undefined;
    const base = getNetwork("local", { usdcAddress });
    return name ? { ...base, usdc: { ...base.usdc, name } } : base;
  }
  const base = getNetwork(env.CHAIN);
  return name ? { ...base, usdc: { ...base.usdc, name } } : base;
}

/** The relayer's key: RELAYER_PRIVATE_KEY, or on the local chain anvil account 0. */
export function relayerKeyOf(env: Pick<Env, "CHAIN" | "RELAYER_PRIVATE_KEY">): Hex | undefined {
  if (env.RELAYER_PRIVATE_KEY) return env.RELAYER_PRIVATE_KEY as Hex;
  if (env.CHAIN !== "local") return undefined;
  const dev = localDev();
  return dev.anvilAccount(dev.DEPLOYER_ACCOUNT_INDEX).privateKey;
}

/** Stops the embedded anvil, if this process started one (shutdown, tests). */
export async function stopEmbeddedChain(): Promise<void> {
  await localDevIfLoaded()?.stopEmbeddedAnvil();
}

export async function createChainService(env: ChainEnv): Promise<ChainService> {
  const local = env.CHAIN === "local";
  const dev = local ? await loadLocalDev() : undefined;
  let rpcUrl = env.RPC_URL;
  let embedded = false;
  if (dev && !rpcUrl) {
    // Kept under DATA_DIR beside the database, so old jobs' settlement hashes resolve after a
    // restart; setupLocalChain below then finds its contracts in place and deploys nothing.
    const persistent = env.DATA_DIR && !env.DATA_DIR.includes("://");
    rpcUrl = (await dev.embeddedAnvil(persistent ? path.resolve(env.DATA_DIR!, "anvil-state.json") : undefined)).rpcUrl;
    embedded = true;
  }
  if (!rpcUrl) throw new Error(`RPC_URL is required for CHAIN=${env.CHAIN}`);

  const expected = paymentNetwork(env);
  let chain: Chain;
  if (dev) {
    const setup = await dev.setupLocalChain(
      rpcUrl,
      env.USDC_DOMAIN_NAME ? { token: { name: env.USDC_DOMAIN_NAME } } : {},
    );
    if (setup.chainId !== expected.chainId || setup.usdcAddress !== expected.usdc.address) {
      throw new Error(
        `the local chain at ${rpcUrl} has chain id ${setup.chainId} and USDC at ${setup.usdcAddress}; expected ${expected.chainId} and ${expected.usdc.address}`,
      );
    }
    chain = dev.localViemChain(rpcUrl, setup.chainId);
  } else {
    chain = defineChain({ ...expected.chain, rpcUrls: { default: { http: [rpcUrl] } } });
  }
  const network: NetworkConfig = { ...expected, chain };

  const pollingInterval = local ? 50 : 1_000;
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 1 }), pollingInterval });
  const relayerKey = relayerKeyOf(env);
  const relayer = relayerKey
    ? createRelayer({
        chain,
        transport: http(rpcUrl, { retryCount: 1 }),
        privateKey: relayerKey,
        pollingIntervalMs: pollingInterval,
      })
    : null;
  let facilitator: Facilitator;
  if (env.FACILITATOR_URL) facilitator = createRemoteFacilitator(env.FACILITATOR_URL);
  else if (relayer) facilitator = createInProcessFacilitator(relayer, network.caip2);
  else throw new Error(`RELAYER_PRIVATE_KEY or FACILITATOR_URL is required for CHAIN=${env.CHAIN}`);

  return {
    network,
    rpcUrl,
    embedded,
    publicClient,
    relayer,
    facilitator,
    demoBuyer: dev ? dev.anvilAccount(dev.DEMO_BUYER_ACCOUNT_INDEX) : null,
  };
}

/** The Deps' chain, created on first use (starts the embedded anvil if that is the configuration). */
export function getChain(deps: Pick<Deps, "env" | "local">): Promise<ChainService> {
  let chain = deps.local.chain;
  if (!chain) {
    chain = createChainService(deps.env).then(
      (c) => {
        if (c.embedded) deps.local.embeddedRpcUrl = c.rpcUrl;
        return c;
      },
      (err) => {
        deps.local.chain = undefined;
        throw err;
      },
    );
    deps.local.chain = chain;
  }
  return chain;
}
