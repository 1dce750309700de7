import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import {
  JOB_TYPES,
  signSellerMessage,
  type GpuInfo,
  type RegisterNodeMessage,
  type SellerDeployment,
} from "@computeswarm/protocol";

export const CHAIN_ID = 31337;
/** The deployment tests sign for: the test deps' chain and default PUBLIC_URL. */
export const testDeployment = (chainId = CHAIN_ID, marketplaceUrl = "http://localhost:3000") => ({
  chainId,
  marketplaceUrl,
});
export const TEST_DEPLOYMENT = testDeployment();

export const h200: GpuInfo = {
  model: "NVIDIA H200",
  vramMiB: 143771,
  gpuCount: 1,
  driverVersion: "580.159.04",
  cudaVersion: "13.0",
  computeCapability: "9.0",
  benchmark: { tflops: 805, dtype: "bf16" },
  jobTypes: [...JOB_TYPES],
};

export function gpu(overrides: Partial<GpuInfo> = {}): GpuInfo {
  return { ...h200, ...overrides };
}

export const newSeller = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey());
export const nonce = () => randomBytes(12).toString("hex");
export const inMinutes = (m: number, from = Date.now()) => Math.floor(from / 1000) + m * 60;

export async function signedRegistration(
  seller: PrivateKeyAccount,
  overrides: Partial<RegisterNodeMessage> = {},
  deployment: SellerDeployment = TEST_DEPLOYMENT,
) {
  const message: RegisterNodeMessage = {
    seller: seller.address,
    gpuInfo: h200,
    pricePerHour: "2.50",
    endpoint: "",
    nonce: nonce(),
    expiry: inMinutes(10),
    ...overrides,
  };
  return signSellerMessage(seller, deployment, "RegisterNode", message);
}

export async function signedUpdate(
  seller: PrivateKeyAccount,
  nodeId: string,
  overrides: Partial<{ pricePerHour: string; endpoint: string; name: string; nonce: string; expiry: number }> = {},
) {
  const message = {
    seller: seller.address,
    nodeId,
    pricePerHour: "3.00",
    endpoint: "",
    nonce: nonce(),
    expiry: inMinutes(10),
    ...overrides,
  };
  return signSellerMessage(seller, TEST_DEPLOYMENT, "UpdateNode", message);
}

export async function signedPause(seller: PrivateKeyAccount, nodeId: string, paused: boolean) {
  const message = { seller: seller.address, nodeId, paused, nonce: nonce(), expiry: inMinutes(10) };
  return signSellerMessage(seller, TEST_DEPLOYMENT, "SetNodePaused", message);
}

export async function siweSignIn(
  account: PrivateKeyAccount,
  nonceValue: string,
  domain = "localhost:3000",
  uri = `http://${domain}`,
) {
  const message = createSiweMessage({
    address: account.address,
    chainId: CHAIN_ID,
    domain,
    nonce: nonceValue,
    uri,
    version: "1",
    issuedAt: new Date(),
    statement: "Sign in to ComputeSwarm",
  });
  return { message, signature: await account.signMessage({ message }) };
}
