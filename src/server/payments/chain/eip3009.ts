/**
 * EIP-3009 typed data, signed the way a wallet (or @x402/evm's exact client) signs it.
 * Pure: no RPC. Used by tests and the demo wallet; the browser signs the same typed data
 * through wagmi.
 */
import { bytesToHex, getAddress, type Address, type Hex, type LocalAccount } from "viem";
import { randomBytes } from "node:crypto";

export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export const RECEIVE_WITH_AUTHORIZATION_TYPES = {
  ReceiveWithAuthorization: TRANSFER_WITH_AUTHORIZATION_TYPES.TransferWithAuthorization,
} as const;

export const CANCEL_AUTHORIZATION_TYPES = {
  CancelAuthorization: [
    { name: "authorizer", type: "address" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export interface TokenDomain {
  address: Address;
  /** EIP-712 domain name, e.g. "USD Coin". */
  name: string;
  /** EIP-712 domain version, e.g. "2". */
  version: string;
  chainId: number;
}

/** The authorization as x402 carries it (all integers as decimal strings). */
export interface Eip3009Authorization {
  from: Address;
  to: Address;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: Hex;
}

/** A fresh random 32-byte authorization nonce. */
export function randomAuthorizationNonce(): Hex {
  return bytesToHex(randomBytes(32));
}

export function tokenDomain(token: TokenDomain): {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Address;
} {
  return {
    name: token.name,
    version: token.version,
    chainId: token.chainId,
    verifyingContract: getAddress(token.address),
  };
}

/** Signs TransferWithAuthorization (or ReceiveWithAuthorization) for `authorization.from`, which must be `account`. */
export async function signAuthorization(
  account: LocalAccount,
  token: TokenDomain,
  authorization: Eip3009Authorization,
  kind: "transfer" | "receive" = "transfer",
): Promise<Hex> {
  const message = {
    from: getAddress(authorization.from),
    to: getAddress(authorization.to),
    value: BigInt(authorization.value),
    validAfter: BigInt(authorization.validAfter),
    validBefore: BigInt(authorization.validBefore),
    nonce: authorization.nonce,
  };
  if (kind === "receive") {
    return account.signTypedData({
      domain: tokenDomain(token),
      types: RECEIVE_WITH_AUTHORIZATION_TYPES,
      primaryType: "ReceiveWithAuthorization",
      message,
    });
  }
  return account.signTypedData({
    domain: tokenDomain(token),
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message,
  });
}

export async function signCancelAuthorization(account: LocalAccount, token: TokenDomain, nonce: Hex): Promise<Hex> {
  return account.signTypedData({
    domain: tokenDomain(token),
    types: CANCEL_AUTHORIZATION_TYPES,
    primaryType: "CancelAuthorization",
    message: { authorizer: account.address, nonce },
  });
}

/**
 * Builds and signs an authorization like @x402/evm's exact client does
 * (validAfter "0", validBefore now + maxTimeoutSeconds, random nonce); fields can be overridden.
 */
export async function createSignedAuthorization(
  account: LocalAccount,
  token: TokenDomain,
  params: {
    to: Address;
    value: bigint | string;
    maxTimeoutSeconds?: number;
  } & Partial<Omit<Eip3009Authorization, "to" | "value">>,
): Promise<{ authorization: Eip3009Authorization; signature: Hex }> {
  const now = Math.floor(Date.now() / 1000);
  const authorization: Eip3009Authorization = {
    from: params.from ?? account.address,
    to: getAddress(params.to),
    value: String(params.value),
    validAfter: params.validAfter ?? "0",
    validBefore: params.validBefore ?? String(now + (params.maxTimeoutSeconds ?? 300)),
    nonce: params.nonce ?? randomAuthorizationNonce(),
  };
  const signature = await signAuthorization(account, token, authorization);
  return { authorization, signature };
}
