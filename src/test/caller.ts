import { createCaller } from "../server/api/root";
import { createContext } from "../server/api/context";
import type { Deps } from "../server/deps";

/** A tRPC caller as a browser or agent at `ip` would be, with optional headers (cookie, authorization). */
export async function callerFor(deps: Deps, opts: { ip?: string; headers?: Record<string, string> } = {}) {
  const headers = new Headers({ host: "localhost:3000", "x-forwarded-for": opts.ip ?? "127.0.0.1", ...opts.headers });
  const resHeaders = new Headers();
  const ctx = await createContext(deps, headers, resHeaders);
  return { caller: createCaller(ctx), resHeaders };
}
