/**
 * Signs EIP-3009 authorizations the way a wallet (or @x402/evm's exact client) does, for
 * tests, benches and the local chain. Production only verifies them.
 */
import { bytesToHex, getAddress, type Address, type Hex, type LocalAccount } from "viem";
import { randomBytes } from "node:crypto";
import {
  CANCEL_AUTHORIZATION_TYPES,
  RECEIVE_WITH_AUTHORIZATION_TYPES,
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  tokenDomain,
  type Eip3009Authorization,
  type TokenDomain,
} from "../../payments/chain/eip3009";

/** A fresh random 32-byte authorization nonce. */
export function randomAuthorizationNonce(): Hex {
  return bytesToHex(randomBytes(32));
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
