/**
 * secp256k1 for the paid path's two ECDSA steps: recovering the buyer's signer before any
 * I/O, and signing the relayer's transactions inside its nonce queue (where every
 * millisecond holds up the sends behind it). libsecp256k1's native binding does each in
 * a small fraction of the time viem's JS curve (@noble/curves) takes; where the binding
 * does not load, viem does the work. The results are the same: both sign RFC 6979
 * deterministic, low-s signatures and recover the same address.
 */
import { createRequire } from "node:module";
import {
  bytesToHex,
  getAddress,
  hexToBytes,
  keccak256,
  recoverAddress,
  type Address,
  type Hex,
  type Signature,
} from "viem";
import { sign } from "viem/accounts";

/** The part of the `secp256k1` package's native binding used here. */
interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

function loadNative(): NativeSecp256k1 | null {
  try {
    // The binding itself, not the package's main, which falls back to a slower JS curve (elliptic).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return null;
  }
}

const native = loadNative();

/** Whether the native binding is in use (for the bench's report). */
export const nativeSecp256k1 = native !== null;

/** The address that signed `hash` (a 65-byte r‖s‖v signature, v 0/1 or 27/28); throws for a malformed one. */
export async function recoverSigner(hash: Hex, signature: Hex): Promise<Address> {
  const bytes = hexToBytes(signature);
  const v = bytes[64];
  if (!native || bytes.length !== 65 || v === undefined || ![0, 1, 27, 28].includes(v)) {
    return recoverAddress({ hash, signature }); // viem's rules for everything else
  }
  const publicKey = native.ecdsaRecover(bytes.subarray(0, 64), v % 27, hexToBytes(hash), false);
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`);
}

/** Signs a 32-byte hash with `privateKey`, as viem's `sign` does. */
export async function signHash(hash: Hex, privateKey: Hex): Promise<Signature> {
  if (!native) return sign({ hash, privateKey });
  const { signature, recid } = native.ecdsaSign(hexToBytes(hash), hexToBytes(privateKey));
  return {
    r: bytesToHex(signature.subarray(0, 32)),
    s: bytesToHex(signature.subarray(32, 64)),
    v: BigInt(recid + 27),
    yParity: recid,
  };
}
