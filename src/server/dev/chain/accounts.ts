/**
 * The local chain's well-known accounts: those derived from the standard test mnemonic
 * (the ten accounts anvil funds). Public test keys: never use them on a real network.
 */
import { toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ANVIL_MNEMONIC } from "./anvil";

export interface KeyPair {
  address: Address;
  privateKey: Hex;
}

const cache = new Map<number, KeyPair>();

/** Account `index` (0…9 are funded by anvil) of the standard test mnemonic. */
export function anvilAccount(index: number): KeyPair {
  let pair = cache.get(index);
  if (!pair) {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error(`cannot derive private key for anvil account ${index}`);
    pair = { address: account.address, privateKey: toHex(key) };
    cache.set(index, pair);
  }
  return pair;
}

/** Account 0: deploys and owns the local test USDC, and relays (settles) payments. */
export const DEPLOYER_ACCOUNT_INDEX = 0;
/** Account 1: the embedded default's "Demo wallet", funded with test USDC. */
export const DEMO_BUYER_ACCOUNT_INDEX = 1;
