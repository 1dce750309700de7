import type { Env } from "./env";

/**
 * The marketplace's public address (PUBLIC_URL) is the one home for links the
 * server hands out: x402 resource and status URLs, the agent's pairing
 * command, the sign-in domain. Never the request's Host or the bind address
 * (0.0.0.0), which a client can forge or cannot reach.
 */
export function publicUrl(env: Pick<Env, "PUBLIC_URL">, path = "/"): string {
  return new URL(path, env.PUBLIC_URL).toString();
}

/** The public URL without a trailing slash, as people type it: `--marketplace http://localhost:3000`. */
export function publicOrigin(env: Pick<Env, "PUBLIC_URL">): string {
  return publicUrl(env).replace(/\/$/, "");
}

const LOOPBACK_ALIASES: Record<string, string> = { localhost: "127.0.0.1", "127.0.0.1": "localhost" };

/** Whether the marketplace is reachable only from this machine (localhost / 127.0.0.1). */
export function isLoopbackPublicUrl(env: Pick<Env, "PUBLIC_URL">): boolean {
  return new URL(env.PUBLIC_URL).hostname in LOOPBACK_ALIASES;
}

/**
 * Hosts a sign-in message may name. A loopback PUBLIC_URL (the embedded
 * default) also accepts its other loopback name, since a newcomer opens
 * either; only this machine can reach those, so no other site can use them.
 */
export function signInHosts(env: Pick<Env, "PUBLIC_URL">): string[] {
  const url = new URL(env.PUBLIC_URL);
  const alias = LOOPBACK_ALIASES[url.hostname];
  return alias ? [url.host, url.port ? `${alias}:${url.port}` : alias] : [url.host];
}
