import { describe, expect, it } from "vitest";
import { keccak256, recoverAddress, serializeTransaction, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { nativeSecp256k1, recoverSigner, signHash } from "./ecdsa";

const keys = Array.from({ length: 8 }, () => generatePrivateKey());
const hashes = Array.from({ length: 8 }, (_, i) => keccak256(toHex(`message ${i}`)));

describe("ecdsa", () => {
  it("uses libsecp256k1's native binding on this platform", () => {
    expect(nativeSecp256k1).toBe(true);
  });

  it("signs exactly as viem does (RFC 6979, low s) and recovers the signer as viem does", async () => {
    for (const [i, privateKey] of keys.entries()) {
      const hash = hashes[i]!;
      const ours = await signHash(hash, privateKey);
      expect(ours).toEqual(await sign({ hash, privateKey }));
      const signature = (await sign({ hash, privateKey, to: "hex" })) as Hex;
      const signer = privateKeyToAccount(privateKey).address;
      expect(await recoverSigner(hash, signature)).toBe(signer);
      expect(await recoverAddress({ hash, signature })).toBe(signer);
    }
  });

  it("a transaction signed with it is byte for byte the one viem's account signs", async () => {
    const privateKey = keys[0]!;
    const tx = {
      chainId: 31337,
      type: "eip1559",
      to: privateKeyToAccount(keys[1]!).address,
      data: "0xdeadbeef",
      gas: 210_000n,
      nonce: 7,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    } as const;
    const ours = serializeTransaction(tx, await signHash(keccak256(serializeTransaction(tx)), privateKey));
    expect(ours).toBe(await privateKeyToAccount(privateKey).signTransaction(tx));
  });

  it("v as 0/1 or 27/28 recovers alike; a malformed signature throws, as viem's does", async () => {
    const hash = hashes[0]!;
    const signature = (await sign({ hash, privateKey: keys[0]!, to: "hex" })) as Hex;
    const v = Number.parseInt(signature.slice(130), 16);
    const asParity = `${signature.slice(0, 130)}${(v - 27).toString(16).padStart(2, "0")}` as Hex;
    expect(await recoverSigner(hash, asParity)).toBe(await recoverSigner(hash, signature));
    const zeroR = `0x${"00".repeat(32)}${signature.slice(66)}` as Hex;
    await expect(recoverSigner(hash, zeroR)).rejects.toThrow();
    await expect(recoverAddress({ hash, signature: zeroR })).rejects.toThrow();
    await expect(recoverSigner(hash, signature.slice(0, 120) as Hex)).rejects.toThrow();
  });
});
