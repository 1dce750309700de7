/**
 * EIP-3009 typed data: what a wallet (or @x402/evm's exact client, or the browser through
 * wagmi) signs and what payment verification checks. Pure: no RPC. Signing helpers for
 * tests and the local chain are in server/dev/chain/eip3009-signing.ts.
 */
import { getAddress, type Address, type Hex } from "viem";

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
