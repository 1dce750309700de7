import { AppError } from "../errors";

/** Largest request body any API accepts (a job script or an agent's result fit well inside). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads a request body, refusing more than maxBytes without buffering it all:
 * a 10 MB body is answered 413 after the first 2 MB.
 */
export async function readBodyLimited(req: Request, maxBytes = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export function tooLarge(maxBytes: number) {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes.`, "body_too_large");
}

/** A request body as JSON: empty is `{}`, anything unparsable a 400. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return {};
  return parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}

/** JSON text (a body, or one line of a stream), anything unparsable a 400. */
export function parseJsonText(text: string, what = "The request body"): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", `${what} is not valid JSON.`, "bad_json");
  }
}
