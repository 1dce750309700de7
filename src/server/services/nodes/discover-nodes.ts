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
import { Prisma } from "@/generated/prisma/client";
import { cachedNodeList } from "./list-cache";
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
function afterCursor({ field, dir }: SortSpec, c: Cursor): Prisma.Sql {
  const col = COLUMNS[field];
  const cmp = Prisma.raw(dir === "asc" ? ">" : "<");
  const v = sortValue(field, c.v);
  if (v === null) return Prisma.sql`(${col} IS NULL AND id ${cmp} ${c.id}::uuid)`;
  const value = field === "vramMiB" || field === "registeredAt" ? Prisma.sql`${v}` : Prisma.sql`${v}::numeric`;
  return Prisma.sql`(${col} ${cmp} ${value} OR (${col} = ${value} AND id ${cmp} ${c.id}::uuid)${
    field === "tflops" ? Prisma.sql` OR tflops IS NULL` : Prisma.empty
  })`;
}

const COLUMNS: Record<SortSpec["field"], Prisma.Sql> = {
  pricePerHour: Prisma.raw("price_per_hour"),
  vramMiB: Prisma.raw("vram_mib"),
  tflops: Prisma.raw("tflops"),
  registeredAt: Prisma.raw("registered_at"),
};

/** LIKE's wildcards taken literally, so `contains` means a plain substring. */
const likeEscaped = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listNodes(deps: Deps, input: ListNodesInput): Promise<ListNodesOutput> {
  return cachedNodeList(deps, input, () => queryNodes(deps, input));
}

/** Below this many live nodes the liveness filter goes to SQL as an id list; above, it is applied while paging. */
const ID_LIST_LIMIT = 200;

const ONLINE_STATUSES = ["available", "busy"];

async function queryNodes(deps: Deps, input: ListNodesInput): Promise<ListNodesOutput> {
  const live = await liveNodes(deps);
  const where: Prisma.Sql[] = [];
  // Liveness lives in Redis. With few live nodes it becomes an id list in SQL; with many,
  // rows are filtered as they are read (see readPage), which keeps the SQL small.
  let wanted: ((id: string) => boolean) | undefined;
  const liveIds = () => (live.size <= ID_LIST_LIMIT ? [...live.keys()] : undefined);
  switch (input.status) {
    case "online":
    case "available":
    case "busy": {
      where.push(
        input.status === "online"
          ? Prisma.sql`status = ANY(${ONLINE_STATUSES}::text[])`
          : Prisma.sql`status = ${input.status}`,
      );
      const ids = liveIds();
      if (ids) where.push(Prisma.sql`id = ANY(${ids}::uuid[])`);
      else wanted = (id) => live.has(id);
      break;
    }
    case "offline": {
      where.push(Prisma.sql`status = ANY(${ONLINE_STATUSES}::text[])`);
      const ids = liveIds();
      if (ids) where.push(Prisma.sql`NOT (id = ANY(${ids}::uuid[]))`);
      else wanted = (id) => !live.has(id);
      break;
    }
    case "paused":
      where.push(Prisma.sql`status = 'paused'`);
      break;
    case "all":
      where.push(Prisma.sql`status <> 'suspended'`);
      break;
  }
  if (input.gpuModel) where.push(Prisma.sql`gpu_model ILIKE ${`%${likeEscaped(input.gpuModel)}%`}`);
  if (input.minVramMiB !== undefined) where.push(Prisma.sql`vram_mib >= ${input.minVramMiB}`);
  if (input.minGpuCount !== undefined) where.push(Prisma.sql`gpu_count >= ${input.minGpuCount}`);
  if (input.maxPricePerHour !== undefined) where.push(Prisma.sql`price_per_hour <= ${input.maxPricePerHour}::numeric`);
  if (input.seller) where.push(Prisma.sql`lower(seller_address) = lower(${input.seller})`);
  if (input.image) where.push(Prisma.sql`images @> ARRAY[${input.image}]::varchar[]`);
  const sort = SORTS[input.sort];
  const start = input.cursor ? decodeCursor(input.cursor, sort.field) : undefined;

  const rows = await readPage(deps, where, sort, start, input.limit + 1, wanted);
  const page = rows.slice(0, input.limit);
  const items = await loadNodeViews(deps, page);
  const last = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(cursorOf(sort, last)) : null };
}

/** Reads `want` rows in sort order after `start`, keeping only those `wanted` accepts; one statement per batch. */
async function readPage(
  deps: Deps,
  where: Prisma.Sql[],
  sort: SortSpec,
  start: Cursor | undefined,
  want: number,
  wanted?: (id: string) => boolean,
): Promise<NodeRow[]> {
  const col = COLUMNS[sort.field];
  const dir = Prisma.raw(sort.dir === "asc" ? "ASC" : "DESC");
  const nulls = sort.field === "tflops" ? Prisma.raw(" NULLS LAST") : Prisma.empty;
  const batch = wanted ? want * 2 : want;
  const out: NodeRow[] = [];
  let after = start;
  for (;;) {
    const conditions = after ? [...where, afterCursor(sort, after)] : where;
    const rows = await deps.prisma.$queryRaw<NodeRow[]>`
      SELECT id, seller_address AS "sellerAddress", name, gpu_info AS "gpuInfo", gpu_model AS "gpuModel",
             vram_mib AS "vramMiB", gpu_count AS "gpuCount", tflops, price_per_hour AS "pricePerHour",
             endpoint, images, status, suspended_reason AS "suspendedReason", registered_at AS "registeredAt",
             last_heartbeat AS "lastHeartbeat", total_jobs AS "totalJobs",
             total_compute_hours AS "totalComputeHours", jobs_finished AS "jobsFinished", jobs_lost AS "jobsLost"
      FROM nodes WHERE ${Prisma.join(conditions, " AND ")}
      ORDER BY ${col} ${dir}${nulls}, id ${dir} LIMIT ${batch}`;
    for (const row of rows) if (!wanted || wanted(row.id)) out.push(row);
    const last = rows.at(-1);
    if (out.length >= want || rows.length < batch || !last) return out.slice(0, want);
    after = cursorOf(sort, last);
  }
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
