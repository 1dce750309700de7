import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { MAX_BODY_BYTES, tooLarge } from "../body";
import type { HeaderReader, PlainRequest, PlainResponse } from "../plain";

/** Node's parsed headers (lower-case names) read like fetch Headers, without copying them. */
export function headerReader(req: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const v = req.headers[name.toLowerCase()];
      if (v === undefined) return null;
      return Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

/**
 * Reads the body, refusing more than maxBytes (413) as soon as it is exceeded;
 * the rest is drained so the kept-alive connection can carry the answer and
 * the next request.
 */
export function readNodeBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > maxBytes) {
      req.resume();
      reject(tooLarge(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        req.off("data", onData);
        req.off("end", onEnd);
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

/** The plain-route view of a node request; the abort signal is made only when a handler asks (claims). */
export function plainRequestOf(req: IncomingMessage, res: ServerResponse): PlainRequest {
  let controller: AbortController | undefined;
  return {
    method: req.method ?? "GET",
    url: `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`,
    headers: headerReader(req),
    get signal() {
      if (!controller) {
        const c = (controller = new AbortController());
        res.once("close", () => {
          if (!res.writableFinished) c.abort();
        });
        if (res.destroyed) c.abort();
      }
      return controller.signal;
    },
    body: (maxBytes) => readNodeBody(req, maxBytes),
  };
}

export function writePlain(res: ServerResponse, a: PlainResponse, extra: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(a.status, { ...extra, ...a.headers, "content-length": String(Buffer.byteLength(a.body)) });
  res.end(a.body);
}

/** Writes a fetch Response (tRPC's answers, SSE streams included) to a node response. */
export async function writeFetchResponse(
  res: ServerResponse,
  response: Response,
  extra: Record<string, string>,
): Promise<void> {
  const headers: Record<string, string | string[]> = { ...extra };
  response.headers.forEach((v, k) => {
    if (k !== "set-cookie") headers[k] = v;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  if (!response.body || !response.headers.get("content-type")?.includes("text/event-stream")) {
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    body.on("error", () => res.destroy());
    res.on("close", () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}
