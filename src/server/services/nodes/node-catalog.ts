import type { Deps } from "../../deps";
import type { RowsVersion } from "./list-cache";
import type { NodeRow } from "./node-view";

/**
 * Every node discovery can show (all but suspended), held in process and
 * sorted once for each sort field, so a discovery page is a scan of a sorted
 * array rather than a query (#14: PostgreSQL's round trip and Prisma's row
 * decoding were most of an uncached page's cost).
 *
 * Freshness follows the page cache's rule (list-cache.ts): a change to a
 * node's row, announced by `invalidateNodeRows` on any instance, is seen by
 * the next page; what moves without an announcement (busy/available, job
 * counts, last_heartbeat) is at most NODE_LIST_CACHE_SECONDS old. A catalog
 * past that age still answers while one load refreshes it; one read before a
 * caller saw a newer rows version never answers it. Liveness is not here:
 * pages read it from Redis (presence.ts).
 *
 * The whole table is loaded, so this suits up to some 100,000 nodes (about
 * 1 KiB each); past that, discovery wants an index of its own.
 */
export type CatalogField = "pricePerHour" | "vramMiB" | "tflops" | "registeredAt";

export interface CatalogEntry {
  node: NodeRow;
  /** The sort keys as numbers that order exactly as the columns do. */
  keys: Record<CatalogField, number | null>;
  modelLower: string;
  sellerLower: string;
}

export interface NodeCatalog {
  /** The rows version asked for when this load began (it may hold later changes too). */
  rowsVersion: string;
  /** When its rows were read: deps.clock (for its age) and performance.now() (for RowsVersion.seenAt). */
  readAt: number;
  readStartedAt: number;
  /** Per field, ascending by (key, id), nulls first: PostgreSQL's order, and reversed its DESC NULLS LAST. */
  sorted: Record<CatalogField, CatalogEntry[]>;
}

export interface CatalogState {
  current?: NodeCatalog;
  /** The one load in flight, if any, and when its read began (performance.now()). */
  loading?: { startedAt: number; promise: Promise<NodeCatalog> };
}

/** Prices are numeric(12, 6) and benchmarks numeric(10, 2): as integers of their last digit, exact in a double. */
export const KEY_PLACES: Record<"pricePerHour" | "tflops", number> = { pricePerHour: 6, tflops: 2 };

/**
 * A non-negative decimal string as an integer count of 10^-places. A value
 * with more digits than that (only a hand-made cursor has them) lands half
 * way between its neighbours, so it still compares as the exact value would.
 */
export function scaledDecimal(value: string, places: number): number {
  const [whole = "0", fraction = ""] = value.split(".");
  const n = Number(whole + fraction.slice(0, places).padEnd(places, "0"));
  return /[1-9]/.test(fraction.slice(places)) ? n + 0.5 : n;
}

/**
 * A catalog that reflects `rows`. One load runs at a time: a caller that
 * needs newer rows than the load in flight began reading waits for it and
 * then starts the next, so a burst of changes (agents registering) costs at
 * most one load after another, never one per discovery request.
 */
export async function nodeCatalog(
  deps: Pick<Deps, "prisma" | "clock" | "env" | "local" | "log">,
  rows: RowsVersion,
): Promise<NodeCatalog> {
  const state = (deps.local.nodeCatalog ??= {});
  for (;;) {
    const current = state.current;
    if (current && (current.rowsVersion === rows.version || current.readStartedAt >= rows.seenAt)) {
      if (deps.clock.now().getTime() - current.readAt >= deps.env.NODE_LIST_CACHE_SECONDS * 1000 && !state.loading)
        load(deps, state, rows.version).catch((err: unknown) =>
          deps.log.warn({ err }, "node catalog refresh failed; discovery keeps the previous one"),
        );
      return current;
    }
    if (!state.loading) return load(deps, state, rows.version);
    if (state.loading.startedAt >= rows.seenAt) return state.loading.promise;
    await state.loading.promise.catch(() => undefined);
  }
}

function load(deps: Pick<Deps, "prisma" | "clock">, state: CatalogState, rowsVersion: string): Promise<NodeCatalog> {
  const startedAt = performance.now();
  const promise = readCatalog(deps, rowsVersion, startedAt).then((catalog) => {
    state.current = catalog;
    return catalog;
  });
  state.loading = { startedAt, promise };
  const done = () => {
    if (state.loading?.promise === promise) state.loading = undefined;
  };
  promise.then(done, done);
  return promise;
}

async function readCatalog(
  deps: Pick<Deps, "prisma" | "clock">,
  rowsVersion: string,
  readStartedAt: number,
): Promise<NodeCatalog> {
  const readAt = deps.clock.now().getTime();
  const rows = await deps.prisma.$queryRaw<NodeRow[]>`
    SELECT id, seller_address AS "sellerAddress", name, gpu_info AS "gpuInfo", gpu_model AS "gpuModel",
           vram_mib AS "vramMiB", gpu_count AS "gpuCount", tflops, price_per_hour AS "pricePerHour",
           endpoint, images, status, suspended_reason AS "suspendedReason", registered_at AS "registeredAt",
           last_heartbeat AS "lastHeartbeat", total_jobs AS "totalJobs",
           total_compute_hours AS "totalComputeHours", jobs_finished AS "jobsFinished", jobs_lost AS "jobsLost"
    FROM nodes WHERE status <> 'suspended'`;
  const entries = rows.map((node): CatalogEntry => ({
    node,
    keys: {
      pricePerHour: scaledDecimal(node.pricePerHour.toFixed(KEY_PLACES.pricePerHour), KEY_PLACES.pricePerHour),
      tflops: node.tflops === null ? null : scaledDecimal(node.tflops.toFixed(KEY_PLACES.tflops), KEY_PLACES.tflops),
      vramMiB: node.vramMiB,
      registeredAt: node.registeredAt.getTime(),
    },
    modelLower: node.gpuModel.toLowerCase(),
    sellerLower: node.sellerAddress.toLowerCase(),
  }));
  const sortedBy = (field: CatalogField) =>
    [...entries].sort((a, b) => compareKeys(a.keys[field], a.node.id, b.keys[field], b.node.id));
  return {
    rowsVersion,
    readAt,
    readStartedAt,
    sorted: {
      pricePerHour: sortedBy("pricePerHour"),
      vramMiB: sortedBy("vramMiB"),
      tflops: sortedBy("tflops"),
      registeredAt: sortedBy("registeredAt"),
    },
  };
}

/**
 * (key, id) order, ascending, nulls first. Ids are lower-case UUIDs, whose
 * string order is PostgreSQL's uuid order (bytewise).
 */
export function compareKeys(aKey: number | null, aId: string, bKey: number | null, bId: string): number {
  if (aKey !== bKey) {
    if (aKey === null) return -1;
    if (bKey === null) return 1;
    return aKey < bKey ? -1 : 1;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}
