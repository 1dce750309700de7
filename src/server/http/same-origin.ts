import { signInHosts } from "../public-url";
import { AppError } from "../errors";
import type { HeaderReader } from "./plain";

/**
 * CSRF defence for cookie-authenticated state changes: a browser names the
 * page that sent a request in `Origin` (and `Sec-Fetch-Site`), so a request
 * another site made with our session cookie is refused, whatever its content
 * type (a multipart/form-data form needs no CORS preflight). Clients that are
 * not browsers send neither header and hold no cookie worth forging.
 */
export function assertSameOrigin(headers: HeaderReader, publicUrl: string): void {
  const ours = new URL(publicUrl).origin;
  const origin = headers.get("origin");
  if (origin !== null) {
    if (origin === ours || isLoopbackAlias(origin, publicUrl)) return;
    throw crossOrigin(origin === "null" ? "an opaque origin" : origin, ours);
  }
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") throw crossOrigin(`a ${site} page`, ours);
}

function crossOrigin(from: string, ours: string) {
  return new AppError(
    "FORBIDDEN",
    `Refused a request sent from ${from}: changes are accepted only from ${ours}.`,
    "cross_origin",
  );
}

/** On a loopback PUBLIC_URL a newcomer may open either localhost or 127.0.0.1 (as sign-in accepts). */
function isLoopbackAlias(origin: string, publicUrl: string): boolean {
  try {
    const o = new URL(origin);
    return o.protocol === new URL(publicUrl).protocol && signInHosts({ PUBLIC_URL: publicUrl }).includes(o.host);
  } catch {
    return false;
  }
}
