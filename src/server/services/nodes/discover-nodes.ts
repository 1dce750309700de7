import { z } from "zod";
import {
  addressSchema,
  dateInRange,
  imageRefSchema,
  nonNegativeInt4,
  priceSchema,
  text,
  uuid,
} from "@computeswarm/protocol";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { cachedNodeList, type RowsVersion } from "./list-cache";
import {
  compareKeys,
  KEY_PLACES,
  nodeCatalog,
  scaledDecimal,
  type CatalogEntry,
  type CatalogField,
} from "./node-catalog";
import { liveNodes } from "./presence";
import { loadNodeViews, nodeViewSchema, type NodeRow } from "./node-view";

export const DISCOVERY_STATUSES = ["online", "available", "busy", "offline", "paused", "all"] as const;
export const NODE_SORTS = ["price_asc", "price_desc", "vram_desc", "tflops_desc", "newest"] as const;

export const listNodesInputSchema = z.object({
  gpuModel: text().trim().max(100).optional(),
  minVramMiB: z.number().int().min(0).max(10_000_000).optional(),
  minGpuCount: z.number().int().min(0).max(64).optional(),
  maxPricePerHour: priceSchema.optional(),
  status: z.enum(DISCOVERY_STATUSES).default("online"),
  seller: addressSchema.optional(),
  /** Only nodes that offer this image (name@sha256:digest). */
  image: imageRefSchema.optional(),
  sort: z.enum(NODE_SORTS).default("price_asc"),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListNodesInput = z.infer<typeof listNodesInputSchema>;

export const listNodesOutputSchema = z.object({
  items: z.array(nodeViewSchema),
  nextCursor: z.string().nullable(),
});
export type ListNodesOutput = z.infer<typeof listNodesOutputSchema>;

type SortSpec = { field: CatalogField; dir: "asc" | "desc" };
const SORTS: Record<(typeof NODE_SORTS)[number], SortSpec> = {
  price_asc: { field: "pricePerHour", dir: "asc" },
  price_desc: { field: "pricePerHour", dir: "desc" },
  vram_desc: { field: "vramMiB", dir: "desc" },
  tflops_desc: { field: "tflops", dir: "desc" },
  newest: { field: "registeredAt", dir: "desc" },
};

/** Keyset cursor: the sort value and id of the last item of the previous page. */
interface Cursor {
  v: string | number | null;
  id: string;
}
const decimalValue = z.string().regex(/^\d{1,12}(\.\d{1,12})?$/);
/** What a cursor's sort value must be for each sort field: anything else never came from us. */
const CURSOR_VALUE: Record<SortSpec["field"], z.ZodType<string | number | null>> = {
  pricePerHour: decimalValue,
  vramMiB: nonNegativeInt4(),
  tflops: decimalValue.nullable(),
  registeredAt: z.iso.datetime().refine((v) => dateInRange().safeParse(v).success),
};
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(raw: string, field: SortSpec["field"]): Cursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = z.strictObject({ v: CURSOR_VALUE[field], id: uuid() }).safeParse(json);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", "The cursor is not one this API returned for this sort.", "bad_cursor");
  return parsed.data;
}

export async function listNodes(deps: Deps, input: ListNodesInput): Promise<ListNodesOutput> {
  return cachedNodeList(deps, input, (rowsVersion) => pageOfNodes(deps, input, rowsVersion));
}

const ONLINE_STATUSES: readonly string[] = ["available", "busy"];

/** Which catalog entries `input` asks for; liveness comes from Redis (presence.ts). */
function matcher(input: ListNodesInput, live: Map<string, number>): (entry: CatalogEntry) => boolean {
  const model = input.gpuModel?.toLowerCase();
  const maxPrice =
    input.maxPricePerHour === undefined ? undefined : scaledDecimal(input.maxPricePerHour, KEY_PLACES.pricePerHour);
  const seller = input.seller?.toLowerCase();
  const { status, minVramMiB, minGpuCount, image } = input;
  return ({ node, keys, modelLower, sellerLower }) => {
    switch (status) {
      case "online":
        if (!ONLINE_STATUSES.includes(node.status) || !live.has(node.id)) return false;
        break;
      case "available":
      case "busy":
        if (node.status !== status || !live.has(node.id)) return false;
        break;
      case "offline":
        if (!ONLINE_STATUSES.includes(node.status) || live.has(node.id)) return false;
        break;
      case "paused":
        if (node.status !== "paused") return false;
        break;
      case "all":
        break; // the catalog holds no suspended node
    }
    return (
      (model === undefined || modelLower.includes(model)) &&
      (minVramMiB === undefined || node.vramMiB >= minVramMiB) &&
      (minGpuCount === undefined || node.gpuCount >= minGpuCount) &&
      (maxPrice === undefined || keys.pricePerHour! <= maxPrice) &&
      (seller === undefined || sellerLower === seller) &&
      (image === undefined || (node.images ?? []).includes(image))
    );
  };
}

/** The cursor's sort value as the catalog's key for that field. */
function cursorKey(field: SortSpec["field"], v: Cursor["v"]): number | null {
  if (v === null) return null;
  if (field === "registeredAt") return new Date(v).getTime();
  if (field === "vramMiB") return Number(v);
  return scaledDecimal(String(v), KEY_PLACES[field]);
}

async function pageOfNodes(deps: Deps, input: ListNodesInput, rowsVersion: RowsVersion): Promise<ListNodesOutput> {
  const sort = SORTS[input.sort];
  const start = input.cursor ? decodeCursor(input.cursor, sort.field) : undefined;
  const [catalog, live] = await Promise.all([nodeCatalog(deps, rowsVersion), liveNodes(deps)]);
  const sorted = catalog.sorted[sort.field];
  const wanted = matcher(input, live);
  const step = sort.dir === "asc" ? 1 : -1;
  // Ascending: the first entry after the cursor; descending (the array read backwards): the last before it.
  let i = sort.dir === "asc" ? 0 : sorted.length - 1;
  if (start) {
    const key = cursorKey(sort.field, start.v);
    const id = start.id.toLowerCase();
    const vsCursor = (e: CatalogEntry) => compareKeys(e.keys[sort.field], e.node.id, key, id);
    i =
      sort.dir === "asc" ? lowerBound(sorted, (e) => vsCursor(e) > 0) : lowerBound(sorted, (e) => vsCursor(e) >= 0) - 1;
  }
  const rows: NodeRow[] = [];
  for (; i >= 0 && i < sorted.length && rows.length <= input.limit; i += step) {
    const entry = sorted[i]!;
    if (wanted(entry)) rows.push(entry.node);
  }
  const page = rows.slice(0, input.limit);
  const items = await loadNodeViews(deps, page);
  const last = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(cursorOf(sort, last)) : null };
}

/** The first index whose entry satisfies `pass` (false before it, true from it on). */
function lowerBound(sorted: CatalogEntry[], pass: (entry: CatalogEntry) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pass(sorted[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cursorOf(sort: SortSpec, node: NodeRow): Cursor {
  const v =
    sort.field === "registeredAt"
      ? node.registeredAt.toISOString()
      : sort.field === "pricePerHour"
        ? node.pricePerHour.toString()
        : sort.field === "tflops"
          ? (node.tflops?.toString() ?? null)
          : node.vramMiB;
  return { id: node.id, v };
}

export async function getNode(deps: Deps, id: string) {
  const node = await deps.prisma.node.findUnique({ where: { id } });
  if (!node) throw new AppError("NOT_FOUND", `Node ${id} does not exist.`, "node_not_found");
  const [view] = await loadNodeViews(deps, [node]);
  return view!;
}
