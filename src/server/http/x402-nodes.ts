import "server-only";
import { AppError } from "../errors";
import { jsonRoute } from "./json-route";
import { listNodes, listNodesInputSchema, type ListNodesInput } from "../services/nodes/discover-nodes";

/** The query parameters that are numbers; every other one is text, as listNodesInputSchema reads it. */
const NUMERIC = new Set(["minVramMiB", "minGpuCount", "limit"]);
const KNOWN = Object.keys(listNodesInputSchema.shape);

/**
 * `?gpuModel=h100&maxPricePerHour=2.5&sort=price_asc&limit=20&cursor=…` as
 * nodes.list's input: the same schema, so the same rules and messages. An
 * unknown or repeated parameter is refused (a typo must not silently widen
 * the search).
 */
export function listNodesInputFromQuery(params: URLSearchParams): ListNodesInput {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (!KNOWN.includes(key))
      throw new AppError("BAD_REQUEST", `Unknown parameter ${JSON.stringify(key)}: use ${KNOWN.join(", ")}.`);
    if (key in raw) throw new AppError("BAD_REQUEST", `The parameter ${key} is given more than once.`);
    raw[key] = NUMERIC.has(key) && /^\d{1,10}$/.test(value) ? Number(value) : value;
  }
  return listNodesInputSchema.parse(raw);
}

/**
 * GET /api/x402/nodes: discovery for software buyers, in plain JSON (no
 * account, no tRPC envelope): the nodes.list service and its answer,
 * `{ items, nextCursor }`. Pick a node's `id`, then POST /api/x402/jobs.
 */
export const getX402Nodes = jsonRoute({
  name: "x402.nodes.list",
  rateLimit: "discovery",
  handler: (ctx) => listNodes(ctx.deps, listNodesInputFromQuery(new URL(ctx.req.url).searchParams)),
});
