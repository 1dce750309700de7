import type { Facilitator } from "../server/payments/facilitator/types";
import { serveHandler } from "./serve-handler";

/**
 * A small x402 facilitator HTTP server (POST /verify, POST /settle, GET /supported)
 * wrapping a facilitator, as hosted facilitators expose it: the remote facilitator
 * client is tested against it.
 */
export async function startFacilitatorServer(facilitator: Facilitator, network: string) {
  const calls = { verify: 0, settle: 0 };
  const server = await serveHandler(async (req) => {
    const path = new URL(req.url).pathname;
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (req.method === "GET" && path === "/supported") {
      return json(200, { kinds: [{ x402Version: 2, scheme: "exact", network }], extensions: [], signers: {} });
    }
    if (req.method !== "POST" || (path !== "/verify" && path !== "/settle")) return json(404, { error: "not found" });
    const body = (await req.json()) as { paymentPayload?: unknown; paymentRequirements?: unknown };
    if (!body.paymentPayload || !body.paymentRequirements)
      return json(400, { error: "paymentPayload and paymentRequirements are required" });
    const args = [body.paymentPayload, body.paymentRequirements] as Parameters<Facilitator["verify"]>;
    try {
      if (path === "/verify") {
        calls.verify++;
        return json(200, await facilitator.verify(...args));
      }
      calls.settle++;
      const result = await facilitator.settle(...args);
      return json(200, result);
    } catch (err) {
      return json(500, { error: err instanceof Error ? err.message : String(err) });
    }
  });
  return { ...server, calls };
}
