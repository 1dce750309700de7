import type { PlainResponse } from "../api/errors";
import { MAX_BODY_BYTES, readBodyLimited } from "./body";

export type { PlainResponse } from "../api/errors";

/** What a handler reads of a request header: Headers and the lean layer's node headers both have it. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * A request as the plain JSON routes see it, whichever server received it:
 * Next's route handlers (a fetch Request, `fromFetch`) or the lean layer's
 * node:http handlers (http/lean/node-io.ts), which skip building one.
 */
export interface PlainRequest {
  method: string;
  /** Absolute URL (the host part is not to be trusted). */
  url: string;
  headers: HeaderReader;
  /** Aborted when the client goes away (a long-poll claim stops waiting). */
  signal: AbortSignal;
  /** The body, refused with 413 past maxBytes without buffering the rest. */
  body(maxBytes?: number): Promise<Uint8Array>;
}

export function fromFetch(req: Request): PlainRequest {
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    signal: req.signal,
    body: (maxBytes = MAX_BODY_BYTES) => readBodyLimited(req, maxBytes),
  };
}

export function toFetchResponse(a: PlainResponse): Response {
  const body = typeof a.body === "string" ? a.body : new Uint8Array(a.body);
  return new Response(body, { status: a.status, headers: a.headers });
}

/** A fetch Response a service built (the x402 door's 402/201) as a plain answer. */
export async function fromFetchResponse(r: Response): Promise<PlainResponse> {
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => (headers[k] = v));
  return { status: r.status, headers, body: await r.text() };
}
