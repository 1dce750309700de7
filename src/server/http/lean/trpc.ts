import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "../../deps";
import { errorAnswer } from "../../api/errors";
import { assertSameOrigin } from "../same-origin";
import { answerTrpc } from "../trpc-endpoint";
import { headerReader, readNodeBody, writeFetchResponse, writePlain } from "./node-io";

function fetchHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k.startsWith(":")) continue;
    if (Array.isArray(v)) for (const item of v) headers.append(k, item);
    else headers.set(k, v);
  }
  return headers;
}

/**
 * /api/trpc/* on node:http: queries, mutations and SSE subscriptions. The body
 * is capped and a POST's origin checked (CSRF) before tRPC sees it; the
 * request is aborted when the client goes away, which ends a subscription.
 */
export async function serveTrpc(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  extra: Record<string, string>,
): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  let body: Buffer | undefined;
  if (req.method === "POST") {
    try {
      body = await readNodeBody(req);
      assertSameOrigin(headerReader(req), deps.env.PUBLIC_URL);
    } catch (err) {
      const requestId = headerReader(req).get("x-request-id")?.slice(0, 100) || randomUUID();
      writePlain(res, errorAnswer(err, requestId, deps.log, "trpc"), extra);
      return;
    }
  }
  const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
    method: req.method,
    headers: fetchHeaders(req),
    body: body as BodyInit | undefined,
    signal: controller.signal,
  });
  await writeFetchResponse(res, await answerTrpc(deps, request), extra);
}
