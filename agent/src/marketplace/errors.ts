/** The marketplace answered with an error status ({ error: { code, message } }). */
export class MarketplaceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`marketplace answered ${status} ${code}: ${message}`);
    this.name = "MarketplaceHttpError";
  }
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
