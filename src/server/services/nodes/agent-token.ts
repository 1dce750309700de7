import { createHash, randomBytes } from "node:crypto";

/** Agent credentials: shown once at registration, stored only as a sha256 hash. */
export function newAgentToken(): { token: string; hash: string } {
  const token = `csa_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
