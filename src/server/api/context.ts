import { randomUUID } from "node:crypto";
import type { Deps } from "../deps";
import type { Logger } from "../logger";
import { readSession, SESSION_COOKIE, type Session } from "../services/auth/siwe";
import { clientIp } from "../http/client-ip";

export interface Context {
  deps: Deps;
  ip: string;
  requestId: string;
  headers: Headers;
  resHeaders: Headers;
  log: Logger;
  sessionId: string | undefined;
  session: Session | null;
}

export function readCookie(headers: Headers, name: string): string | undefined {
  const raw = headers.get("cookie");
  if (!raw) return undefined;
  for (const part of raw.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export async function createContext(deps: Deps, headers: Headers, resHeaders: Headers): Promise<Context> {
  const requestId = headers.get("x-request-id")?.slice(0, 100) || randomUUID();
  resHeaders.set("x-request-id", requestId);
  const sessionId = readCookie(headers, SESSION_COOKIE);
  return {
    deps,
    ip: clientIp(headers, deps.env.TRUST_PROXY),
    requestId,
    headers,
    resHeaders,
    log: deps.log.child({ requestId }),
    sessionId,
    session: await readSession(deps, sessionId),
  };
}
