import { randomBytes } from "node:crypto";
import type { GpuInfo, SignedPairNode } from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { publicOrigin } from "../../public-url";
import { agentCommands } from "../agent-download/agent-bundle";
import { consumeNonce, verifySellerSignature } from "./seller-signatures";
import { createNode } from "./register-node";

/**
 * Pairing: the seller signs a PairNode message (price, endpoint) in the
 * dashboard and gets a one-time code; the agent on the GPU machine redeems it
 * with the GPUs it detected, and receives its node id and token. The seller's
 * key never has to be on the GPU machine.
 */
export const PAIRING_TTL_SECONDS = 3600;
const key = (code: string) => `pairing:${code}`;
// Unambiguous characters only: people type these codes.
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function newCode(): string {
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

interface PendingPairing {
  seller: string;
  pricePerHour: string;
  endpoint: string;
  name?: string;
}

export async function createPairingCode(
  deps: Pick<Deps, "env" | "clock" | "prisma" | "redis">,
  { message, signature }: SignedPairNode,
) {
  const seller = await verifySellerSignature(
    deps,
    "PairNode",
    message.seller,
    { ...message, expiry: BigInt(message.expiry) },
    signature as `0x${string}`,
  );
  await deps.prisma.$transaction((tx) => consumeNonce(tx, seller, message.nonce, BigInt(message.expiry)));
  const code = newCode();
  const pending: PendingPairing = {
    seller,
    pricePerHour: message.pricePerHour,
    endpoint: message.endpoint,
    ...(message.name ? { name: message.name } : {}),
  };
  await deps.redis.cmd.set(key(code), JSON.stringify(pending), "EX", PAIRING_TTL_SECONDS);
  const expiresAt = new Date(deps.clock.now().getTime() + PAIRING_TTL_SECONDS * 1000).toISOString();
  const { commands } = await agentCommands(deps.env, [
    `register --marketplace ${publicOrigin(deps.env)} --pair ${code}`,
    "start --allow-unsandboxed",
  ]);
  return { code, expiresAt, commands };
}

/**
 * The agent redeems a code once; a second redemption (or an expired code) is
 * refused. The code is taken atomically and put back if the node cannot be
 * stored, so a failed redemption never burns it.
 */
export async function redeemPairingCode(
  deps: Pick<Deps, "prisma" | "redis">,
  input: { code: string; gpuInfo: GpuInfo; endpoint?: string; name?: string },
) {
  const code = input.code.trim().toUpperCase();
  const replies = (await deps.redis.cmd.multi().get(key(code)).pttl(key(code)).del(key(code)).exec()) ?? [];
  const raw = replies[0]?.[1] as string | null | undefined;
  const ttlMs = Number(replies[1]?.[1] ?? -1);
  if (!raw)
    throw new AppError(
      "NOT_FOUND",
      "This pairing code is unknown, used or expired; create a new one.",
      "pairing_code_invalid",
    );
  const pending = JSON.parse(raw) as PendingPairing;
  try {
    return await createNode(deps, {
      seller: pending.seller,
      gpuInfo: input.gpuInfo,
      pricePerHour: pending.pricePerHour,
      endpoint: pending.endpoint || input.endpoint || "",
      name: pending.name || input.name || undefined,
    });
  } catch (err) {
    if (ttlMs > 0) await deps.redis.cmd.set(key(code), raw, "PX", ttlMs, "NX").catch(() => undefined);
    throw err;
  }
}
