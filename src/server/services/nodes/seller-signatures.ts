import { verifyTypedData, getAddress } from "viem";
import { sellerTypedData, type SellerDeployment, type SellerPrimaryType } from "@computeswarm/protocol";
import { AppError } from "../../errors";
import type { Deps } from "../../deps";
import { chainIdOf } from "@/lib/chains";
import type { Prisma } from "@/generated/prisma/client";

export type { SellerPrimaryType };

/** The deployment seller signatures must name: our chain and PUBLIC_URL (the EIP-712 salt). */
export function ourDeployment(env: Deps["env"]): SellerDeployment {
  return { chainId: chainIdOf(env.CHAIN), marketplaceUrl: env.PUBLIC_URL };
}

/**
 * Checks a seller's EIP-712 signature and its time window. The nonce is
 * consumed separately, inside the transaction that performs the change, so
 * a refused change leaves the nonce unused.
 */
export async function verifySellerSignature(
  deps: Pick<Deps, "env" | "clock">,
  primaryType: SellerPrimaryType,
  claimedSigner: string,
  message: Record<string, unknown> & { expiry: number | bigint },
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
      ...sellerTypedData(ourDeployment(deps.env), primaryType, message),
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
