import { AppError } from "./errors";

/**
 * "PostgreSQL or Redis cannot answer right now" (refused, reset, timed out,
 * shutting down, out of connections) is a 503 with Retry-After, never a 500:
 * the request was fine, and the same request will work once the part is back.
 * Recognised through the whole cause chain, since Prisma, its pg adapter and
 * ioredis each wrap what the socket said.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
// Prisma: can't reach / timed out / closed / pool timeout / no transaction within its wait (every
// pooled connection busy: also matched by message below, as some adapter paths drop the code).
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
// PostgreSQL SQLSTATE: statement timeout, admin shutdown, crash shutdown, cannot connect now, too many connections.
const POSTGRES_CODES = new Set(["57014", "57P01", "57P02", "57P03", "53300"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const MESSAGES =
  /timeout exceeded when trying to connect|Query read timeout|Connection terminated|Client has encountered a connection error|Can't reach database server|canceling statement due to statement timeout|Connection is closed|Stream isn't writeable|Reached the max retries per request limit|Unable to start a transaction in the given time/i;

function isUnavailableCause(e: Record<string, unknown>): boolean {
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || PRISMA_CODES.has(code) || POSTGRES_CODES.has(code))) return true;
  if (code?.startsWith("08")) return true; // SQLSTATE class 08: connection exception
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (e.name === "MaxRetriesPerRequestError") return true;
  return typeof e.message === "string" && MESSAGES.test(e.message);
}

/** An AppError 503 when `err` says a backing service is unreachable; undefined otherwise. */
export function asUnavailable(err: unknown): AppError | undefined {
  if (err instanceof AppError) return undefined;
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const rec = e as Record<string, unknown>;
    // Prisma's adapter errors carry the driver's fields under `cause`; some wrap them in `originalCode`.
    if (isUnavailableCause(rec) || (typeof rec.originalCode === "string" && POSTGRES_CODES.has(rec.originalCode))) {
      return new AppError(
        "SERVICE_UNAVAILABLE",
        "The marketplace's storage is not answering right now. Nothing was lost; try again in a few seconds.",
        "storage_unavailable",
        { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS },
      );
    }
  }
  return undefined;
}
