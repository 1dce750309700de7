import { randomBytes } from "node:crypto";
import { getAddress, verifyMessage } from "viem";
import { generateSiweNonce, parseSiweMessage, validateSiweMessage } from "viem/siwe";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { chainIdOf } from "@/lib/chains";
import { isEmbeddedChain, localDev } from "../../dev/load";
import { isLoopbackPublicUrl } from "../../public-url";

/**
 * Sign-In with Ethereum (EIP-4361). The nonce lives in Redis for 5 minutes and
 * is good once; a session is a random id in an httpOnly cookie pointing at
 * `session:{id}` in Redis. No passwords anywhere.
 */
const NONCE_TTL_SECONDS = 300;
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
export const SESSION_COOKIE = "cs_session";
/** Redis key family of sessions (the embedded stand-in persists it across restarts). */
export const SESSION_KEY_PREFIX = "session:";

export interface Session {
  address: `0x${string}`;
  chainId: number;
  issuedAt: string;
}

type AuthDeps = Pick<Deps, "redis" | "env" | "clock">;

export async function createSiweNonce(deps: AuthDeps): Promise<string> {
  const nonce = generateSiweNonce();
  await deps.redis.cmd.set(`siwe:nonce:${nonce}`, "1", "EX", NONCE_TTL_SECONDS);
  return nonce;
}

export async function signIn(
  deps: AuthDeps,
  input: { message: string; signature: `0x${string}` },
  /** PUBLIC_URL, or on a loopback PUBLIC_URL its other loopback name (see signInHosts). */
  publicUrl: URL,
  marketplaceUrl = publicUrl.origin,
): Promise<{ sessionId: string; session: Session }> {
  const parsed = parseSiweMessage(input.message);
  if (!parsed.address || !parsed.nonce) {
    throw new AppError("BAD_REQUEST", "This is not a Sign-In with Ethereum message.", "bad_siwe_message");
  }
  const expectedDomain = publicUrl.host;
  const valid = validateSiweMessage({ message: parsed, domain: expectedDomain, time: deps.clock.now() });
  if (!valid || !sameOrigin(parsed.uri, publicUrl)) {
    throw new AppError(
      "UNAUTHORIZED",
      `That sign-in message expired or was made for another site: open the marketplace at ${marketplaceUrl} and sign in again.`,
      "siwe_invalid",
    );
  }
  if (parsed.chainId !== chainIdOf(deps.env.CHAIN)) {
    throw new AppError("UNAUTHORIZED", `Sign in on chain ${chainIdOf(deps.env.CHAIN)}.`, "siwe_wrong_chain");
  }
  const signatureOk = await verifyMessage({
    address: parsed.address,
    message: input.message,
    signature: input.signature,
  }).catch(() => false);
  if (!signatureOk) throw new AppError("UNAUTHORIZED", "The signature does not match the address.", "bad_signature");
  // The nonce is consumed only by a valid sign-in, and only once.
  const consumed = await deps.redis.cmd.del(`siwe:nonce:${parsed.nonce}`);
  if (consumed !== 1)
    throw new AppError("UNAUTHORIZED", "This sign-in nonce is unknown or used; try again.", "siwe_nonce");

  const sessionId = randomBytes(32).toString("base64url");
  const session: Session = {
    address: getAddress(parsed.address),
    chainId: parsed.chainId,
    issuedAt: deps.clock.now().toISOString(),
  };
  await deps.redis.cmd.set(`${SESSION_KEY_PREFIX}${sessionId}`, JSON.stringify(session), "EX", SESSION_TTL_SECONDS);
  return { sessionId, session };
}

/** The message's `uri` must name this marketplace (EIP-4361: the resource the sign-in is for). */
function sameOrigin(uri: string | undefined, publicUrl: URL): boolean {
  if (!uri) return false;
  try {
    return new URL(uri).origin === publicUrl.origin;
  } catch {
    return false;
  }
}

export async function readSession(deps: Pick<Deps, "redis">, sessionId: string | undefined): Promise<Session | null> {
  if (!sessionId || !/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return null;
  const raw = await deps.redis.cmd.get(`${SESSION_KEY_PREFIX}${sessionId}`);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export async function signOut(deps: Pick<Deps, "redis">, sessionId: string | undefined): Promise<void> {
  if (sessionId) await deps.redis.cmd.del(`${SESSION_KEY_PREFIX}${sessionId}`);
}

export function isAdmin(env: Deps["env"], address: string | undefined): boolean {
  if (!address) return false;
  // The demo shows all three roles: on the embedded default, served on this machine only,
  // the demo wallet (a public test key) is also an admin. Never with a real chain or a public URL.
  if (
    isEmbeddedChain(env) &&
    isLoopbackPublicUrl(env) &&
    address.toLowerCase() === localDev().DEMO_BUYER_ADDRESS.toLowerCase()
  )
    return true;
  return env.ADMIN_ADDRESSES.some((a) => a.toLowerCase() === address.toLowerCase());
}
