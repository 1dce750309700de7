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
import type { Node, Prisma } from "@/generated/prisma/client";
import { cachedNodeList } from "./list-cache";
import { liveNodes } from "./presence";
import { loadNodeViews, nodeViewSchema } from "./node-view";

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

type SortSpec = { field: "pricePerHour" | "vramMiB" | "tflops" | "registeredAt"; dir: "asc" | "desc" };
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

function sortValue(field: SortSpec["field"], raw: string | number | null) {
  if (raw === null) return null;
  return field === "registeredAt" ? new Date(raw) : raw;
}

/** Rows strictly after the cursor in (sort field, id) order. Nulls (no benchmark) sort last. */
function afterCursor({ field, dir }: SortSpec, c: Cursor): Prisma.NodeWhereInput {
  const cmp = dir === "asc" ? "gt" : "lt";
  const v = sortValue(field, c.v);
  if (v === null) return { [field]: null, id: { [cmp]: c.id } };
  return {
    OR: [
      { [field]: { [cmp]: v } },
      { [field]: v, id: { [cmp]: c.id } },
      ...(field === "tflops" ? [{ tflops: null }] : []),
    ],
  };
}

export async function listNodes(deps: Deps, input: ListNodesInput): Promise<ListNodesOutput> {
  return cachedNodeList(deps, input, () => queryNodes(deps, input));
}

/** Below this many live nodes the liveness filter goes to SQL as an id list; above, it is applied while paging. */
const ID_LIST_LIMIT = 200;

async function queryNodes(deps: Deps, input: ListNodesInput): Promise<ListNodesOutput> {
  const live = await liveNodes(deps);
  const where: Prisma.NodeWhereInput[] = [];
  // Liveness lives in Redis. With few live nodes it becomes an id list in SQL; with many,
  // rows are filtered as they are read (see readPage), which keeps the SQL small.
  let wanted: ((id: string) => boolean) | undefined;
  const liveIds = () => (live.size <= ID_LIST_LIMIT ? [...live.keys()] : undefined);
  switch (input.status) {
    case "online":
    case "available":
    case "busy": {
      where.push({ status: input.status === "online" ? { in: ["available", "busy"] } : input.status });
      const ids = liveIds();
      if (ids) where.push({ id: { in: ids } });
      else wanted = (id) => live.has(id);
      break;
    }
    case "offline": {
      where.push({ status: { in: ["available", "busy"] } });
      const ids = liveIds();
      if (ids) where.push({ id: { notIn: ids } });
      else wanted = (id) => !live.has(id);
      break;
    }
    case "paused":
      where.push({ status: "paused" });
      break;
    case "all":
      where.push({ status: { not: "suspended" } });
      break;
  }
  if (input.gpuModel) where.push({ gpuModel: { contains: input.gpuModel, mode: "insensitive" } });
  if (input.minVramMiB !== undefined) where.push({ vramMiB: { gte: input.minVramMiB } });
  if (input.minGpuCount !== undefined) where.push({ gpuCount: { gte: input.minGpuCount } });
  if (input.maxPricePerHour !== undefined) where.push({ pricePerHour: { lte: input.maxPricePerHour } });
  if (input.seller) where.push({ sellerAddress: { equals: input.seller, mode: "insensitive" } });
  if (input.image) where.push({ images: { has: input.image } });
  const sort = SORTS[input.sort];
  const start = input.cursor ? decodeCursor(input.cursor, sort.field) : undefined;

  const rows = await readPage(deps, where, sort, start, input.limit + 1, wanted);
  const page = rows.slice(0, input.limit);
  const items = await loadNodeViews(deps, page);
  const last = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(cursorOf(sort, last)) : null };
}

/** Reads `want` rows in sort order after `start`, keeping only those `wanted` accepts. */
async function readPage(
  deps: Deps,
  where: Prisma.NodeWhereInput[],
  sort: SortSpec,
  start: Cursor | undefined,
  want: number,
  wanted?: (id: string) => boolean,
): Promise<Node[]> {
  const orderBy: Prisma.NodeOrderByWithRelationInput[] = [
    sort.field === "tflops" ? { tflops: { sort: sort.dir, nulls: "last" } } : { [sort.field]: sort.dir },
    { id: sort.dir },
  ];
  const batch = wanted ? want * 2 : want;
  const out: Node[] = [];
  let after = start;
  for (;;) {
    const rows = await deps.prisma.node.findMany({
      where: { AND: after ? [...where, afterCursor(sort, after)] : where },
      orderBy,
      take: batch,
    });
    for (const row of rows) if (!wanted || wanted(row.id)) out.push(row);
    const last = rows.at(-1);
    if (out.length >= want || rows.length < batch || !last) return out.slice(0, want);
    after = cursorOf(sort, last);
  }
}

function cursorOf(sort: SortSpec, node: Node): Cursor {
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
