import { verifyTypedData, getAddress } from "viem";
import { computeSwarmDomain, sellerTypes } from "@computeswarm/protocol";
import { AppError } from "../../errors";
import type { Deps } from "../../deps";
import { chainIdOf } from "../chain-id";
import type { Prisma } from "@/generated/prisma/client";

export type SellerPrimaryType = keyof typeof sellerTypes;

/**
 * Checks a seller's EIP-712 signature and its time window. The nonce is
 * consumed separately, inside the transaction that performs the change, so
 * a refused change leaves the nonce unused.
 */
export async function verifySellerSignature(
  deps: Pick<Deps, "env" | "clock">,
  primaryType: SellerPrimaryType,
  claimedSigner: string,
  message: Record<string, unknown> & { expiry: bigint },
  signature: `0x${string}`,
): Promise<`0x${string}`> {
  const nowSec = Math.floor(deps.clock.now().getTime() / 1000);
  const expiry = Number(message.expiry);
  if (expiry <= nowSec)
    throw new AppError("BAD_REQUEST", "The signature has expired; sign again.", "signature_expired");
  if (expiry > nowSec + deps.env.SIGNATURE_MAX_TTL_SECONDS) {
    throw new AppError(
      "BAD_REQUEST",
      `The signature expiry is too far in the future (at most ${deps.env.SIGNATURE_MAX_TTL_SECONDS} s).`,
      "expiry_too_far",
    );
  }
  const signer = getAddress(claimedSigner);
  let valid = false;
  try {
    valid = await verifyTypedData({
      address: signer,
      domain: computeSwarmDomain(chainIdOf(deps.env.CHAIN)),
      types: sellerTypes,
      primaryType,
      message: message as never,
      signature,
    });
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new AppError("UNAUTHORIZED", "The signature does not match the seller address and message.", "bad_signature");
  }
  return signer;
}

/** Records a signed nonce; a second use of the same nonce by the same signer is refused. */
export async function consumeNonce(
  tx: Prisma.TransactionClient,
  signer: string,
  nonce: string,
  expiry: bigint,
): Promise<void> {
  const inserted = await tx.$executeRaw`
    INSERT INTO signed_nonces (signer, nonce, expires_at)
    VALUES (${signer.toLowerCase()}, ${nonce}, to_timestamp(${Number(expiry)}))
    ON CONFLICT DO NOTHING`;
  if (inserted === 0) {
    throw new AppError("CONFLICT", "This signed message was already used; sign a new one.", "nonce_reused");
  }
}
