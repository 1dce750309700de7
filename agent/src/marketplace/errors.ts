import { errorResponseSchema } from "@computeswarm/protocol";

/** The marketplace answered with an error status ({ error: { code, message } }). */
export class MarketplaceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From `Retry-After` (503: storage busy or down; 429: rate limited): wait at least this long. */
    readonly retryAfterMs?: number,
  ) {
    super(`marketplace answered ${status} ${code}: ${message}`);
    this.name = "MarketplaceHttpError";
  }
}

/**
 * An error answer as the marketplace sends it ({ error: { code, message } }),
 * whichever call got it: the code and message it gave, or its first 200
 * characters where it is not ours (a proxy's page).
 */
export function marketplaceHttpError(
  status: number,
  text: string,
  statusText: string,
  retryAfter: string | null,
): MarketplaceHttpError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const retryAfterMs = parseRetryAfter(retryAfter);
  const parsed = errorResponseSchema.safeParse(json);
  if (parsed.success)
    return new MarketplaceHttpError(status, parsed.data.error.code, parsed.data.error.message, retryAfterMs);
  return new MarketplaceHttpError(status, "http_error", text.slice(0, 200) || statusText, retryAfterMs);
}

/** `Retry-After` in seconds (the only form the marketplace sends), capped at 5 minutes. */
export function parseRetryAfter(header: string | null): number | undefined {
  const seconds = Number(header ?? "");
  return header && Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}

/**
 * How long to wait before retrying after `err`: the backoff, but never less
 * than the server's Retry-After (a 503 under load means "not now"), spread by
 * up to half again so agents told the same thing do not return together.
 */
export function retryDelayMs(err: unknown, backoffMs: number, random: () => number = Math.random): number {
  const after = err instanceof MarketplaceHttpError ? err.retryAfterMs : undefined;
  if (after === undefined) return backoffMs;
  return Math.max(backoffMs, Math.round(after * (1 + random() / 2)));
}

/** No answer at all: connection refused, DNS, timeout, reset. */
export class MarketplaceUnreachableError extends Error {
  constructor(message: string) {
    super(`marketplace unreachable: ${message}`);
    this.name = "MarketplaceUnreachableError";
  }
}

/** A 2xx answer that does not match the protocol (e.g. a proxy's HTML page). */
export class MarketplaceProtocolError extends Error {
  constructor(message: string) {
    super(`unexpected answer from marketplace: ${message}`);
    this.name = "MarketplaceProtocolError";
  }
}

/** The job is no longer running there (409) or gone: retrying a report cannot help. */
export function isJobGoneError(err: unknown): boolean {
  return err instanceof MarketplaceHttpError && (err.status === 409 || err.status === 404 || err.status === 410);
}

/** Errors where the same request will never succeed; 401/403 may be fixed by the operator, so they are retried. */
export function isPermanentError(err: unknown): boolean {
  return (
    isJobGoneError(err) ||
    (err instanceof MarketplaceHttpError && (err.status === 400 || err.status === 413 || err.status === 422))
  );
}
