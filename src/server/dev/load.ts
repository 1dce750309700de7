/**
 * The fence around server/dev: production modules reach the code under it only through
 * these loaders, each an import() taken when the configuration asks for it (CHAIN=local, no
 * DATABASE_URL, no REDIS_URL). A deployment on a real network with PostgreSQL and Redis
 * never loads it, nor the npm packages it needs (devDependencies: ioredis-mock, PGlite and
 * its Prisma adapter, anvil), which an `npm ci --omit=dev` install does not have.
 */
import type { Env } from "../env";

type LocalModule = typeof import("./local");

/** The embedded default's own anvil (CHAIN=local, no RPC_URL): the only place the demo identities exist. */
export function isEmbeddedChain(env: Pick<Env, "CHAIN" | "RPC_URL">): boolean {
  return env.CHAIN === "local" && !env.RPC_URL;
}

// On globalThis: server.mjs's lean bundle and Next's server each have their own copy of this module.
const holder = globalThis as unknown as { __csLocalDev?: LocalModule };

/** Loads what CHAIN=local needs; createDeps awaits it, so everything after may use localDev(). */
export async function loadLocalDev(): Promise<LocalModule> {
  holder.__csLocalDev ??= await import("./local");
  return holder.__csLocalDev;
}

/** The CHAIN=local module, for synchronous callers (quotes, roles) once loadLocalDev() has run. */
export function localDev(): LocalModule {
  if (!holder.__csLocalDev) throw new Error("CHAIN=local: the local chain module is not loaded (await loadLocalDev())");
  return holder.__csLocalDev;
}

/** The CHAIN=local module if something loaded it already. */
export function localDevIfLoaded(): LocalModule | undefined {
  return holder.__csLocalDev;
}

/** In-process Redis for the embedded default (no REDIS_URL). */
export function openEmbeddedRedis(
  ...args: Parameters<typeof import("./embedded/redis").openRedisStandIn>
): ReturnType<typeof import("./embedded/redis").openRedisStandIn> {
  return devDependency("ioredis-mock", "REDIS_URL", async () =>
    (await import("./embedded/redis")).openRedisStandIn(...args),
  );
}

/** Embedded PostgreSQL (PGlite) for the embedded default (no DATABASE_URL). */
export function openEmbeddedDatabase(dataDir: string): ReturnType<typeof import("./embedded/pglite").openPglite> {
  return devDependency("@electric-sql/pglite and pglite-prisma-adapter", "DATABASE_URL", async () =>
    (await import("./embedded/pglite")).openPglite(dataDir),
  );
}

/** Names the missing dev dependency and the way around it instead of a bare "Cannot find package". */
async function devDependency<T>(pkg: string, envVar: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    throw new Error(
      `the embedded default needs ${pkg} (dev dependencies): install dev dependencies for the embedded default (npm ci without --omit=dev), or set ${envVar}`,
      { cause: err },
    );
  }
}
