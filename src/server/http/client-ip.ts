import type { HeaderReader } from "./plain";

/**
 * The client's address for rate limiting. Behind our nginx (TRUST_PROXY=true)
 * it is the left-most X-Forwarded-For entry / X-Real-IP; otherwise the
 * X-Forwarded-For that Next's own server sets from the socket (the last entry,
 * which a client cannot forge).
 */
export function clientIp(headers: HeaderReader, trustProxy: boolean): string {
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (trustProxy) return headers.get("x-real-ip") ?? forwarded[0] ?? "unknown";
  return forwarded.at(-1) ?? "unknown";
}
