import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Prisma } from "@/generated/prisma/client";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { gpu, newSeller } from "@/test/factories";
import type { Deps } from "../../deps";
import { listNodes, listNodesInputSchema, NODE_SORTS } from "./discover-nodes";
import { invalidateNodeRows, type RowsVersion } from "./list-cache";
import { nodeCatalog, scaledDecimal } from "./node-catalog";
import { SEEN_KEY } from "./presence";

/**
 * Discovery pages come from the in-process node catalog. The order and the
 * cursors must be exactly PostgreSQL's (numeric, NULLS LAST, uuid ties), and
 * what the catalog holds must follow the rows version and its age.
 */
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps({ NODE_LIST_CACHE_SECONDS: "5" });
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.node.deleteMany();
  await deps.resetRedis();
});

const IMAGE = `ghcr.io/acme/train@sha256:${"ab".repeat(32)}`;
const SELLER = newSeller().address;
const STATUSES = ["available", "busy", "paused", "suspended", "available", "busy", "available"];

interface Seeded {
  id: string;
  status: string;
  live: boolean;
  gpuModel: string;
  vramMiB: number;
  gpuCount: number;
  price: string;
  seller: string;
  images: string[];
}

/** 70 nodes with many ties in every sort field, a third without a benchmark, some live. */
async function seed(): Promise<Seeded[]> {
  const base = deps.clock.now().getTime();
  const nodes = Array.from({ length: 70 }, (_, i) => ({
    id: randomUUID(),
    sellerAddress: i % 9 === 0 ? SELLER : newSeller().address,
    gpuInfo: gpu() as object,
    gpuModel: ["NVIDIA H200", "NVIDIA A100-SXM4-80GB", "NVIDIA GeForce RTX 4090", "NVIDIA L40S"][i % 4]!,
    vramMiB: [24564, 81920, 143771][i % 3]!,
    gpuCount: 1 + (i % 4),
    tflops: i % 3 === 0 ? null : new Prisma.Decimal(["100.5", "805", "805.25"][i % 5 === 0 ? 0 : (i % 2) + 1]!),
    pricePerHour: new Prisma.Decimal(["0.4", "1.1", "1.100001", "2.5", "10"][i % 5]!),
    endpoint: "",
    images: i % 6 === 0 ? [IMAGE] : [],
    status: STATUSES[i % STATUSES.length]!,
    agentTokenHash: randomBytes(32).toString("hex"),
    registeredAt: new Date(base - (i % 4) * 1000),
  }));
  await deps.prisma.node.createMany({ data: nodes });
  const live = nodes.filter((_, i) => i % 2 === 0);
  await deps.redis.cmd.zadd(SEEN_KEY, ...live.flatMap((n) => [base, n.id]));
  await invalidateNodeRows(deps);
  return nodes.map((n, i) => ({
    id: n.id,
    status: n.status,
    live: i % 2 === 0,
    gpuModel: n.gpuModel,
    vramMiB: n.vramMiB,
    gpuCount: n.gpuCount,
    price: n.pricePerHour.toString(),
    seller: n.sellerAddress,
    images: n.images,
  }));
}

const ORDER_BY: Record<(typeof NODE_SORTS)[number], string> = {
  price_asc: "price_per_hour ASC, id ASC",
  price_desc: "price_per_hour DESC, id DESC",
  vram_desc: "vram_mib DESC, id DESC",
  tflops_desc: "tflops DESC NULLS LAST, id DESC",
  newest: "registered_at DESC, id DESC",
};

/** PostgreSQL's order of every node, for a sort. */
async function sqlOrder(sort: (typeof NODE_SORTS)[number], where = "TRUE"): Promise<string[]> {
  const rows = await deps.prisma.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text FROM nodes WHERE ${where} ORDER BY ${ORDER_BY[sort]}`,
  );
  return rows.map((r) => r.id);
}

/** Every page of a listing, 7 at a time, following the cursors. */
async function walk(input: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listNodes(deps, listNodesInputSchema.parse({ ...input, limit: 7, cursor }));
    expect(page.items.length).toBeLessThanOrEqual(7);
    ids.push(...page.items.map((n) => n.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

const online = (n: Seeded) => (n.status === "available" || n.status === "busy") && n.live;
const FILTERS: [Record<string, unknown>, (n: Seeded) => boolean][] = [
  [{}, online],
  [{ status: "all" }, (n) => n.status !== "suspended"],
  [{ status: "offline" }, (n) => (n.status === "available" || n.status === "busy") && !n.live],
  [{ status: "busy" }, (n) => n.status === "busy" && n.live],
  [{ status: "paused" }, (n) => n.status === "paused"],
  [{ status: "all", gpuModel: "a100-SXM4" }, (n) => n.status !== "suspended" && n.gpuModel.includes("A100")],
  [{ status: "all", maxPricePerHour: "1.1" }, (n) => n.status !== "suspended" && Number(n.price) <= 1.1],
  [{ minVramMiB: 80_000, minGpuCount: 2 }, (n) => online(n) && n.vramMiB >= 80_000 && n.gpuCount >= 2],
  [{ status: "all", seller: SELLER.toLowerCase() }, (n) => n.status !== "suspended" && n.seller === SELLER],
  [{ status: "all", image: IMAGE }, (n) => n.status !== "suspended" && n.images.includes(IMAGE)],
];

describe("node catalog", () => {
  it("pages in exactly PostgreSQL's order for every sort and filter, each node once", async () => {
    const nodes = await seed();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const sort of NODE_SORTS) {
      const order = await sqlOrder(sort);
      for (const [filter, keep] of FILTERS) {
        const expected = order.filter((id) => keep(byId.get(id)!));
        expect(await walk({ ...filter, sort }), `${sort} ${JSON.stringify(filter)}`).toEqual(expected);
      }
    }
  });

  it("a cursor value between two stored values starts where PostgreSQL's comparison does", async () => {
    await seed();
    const id = "ffffffff-ffff-4fff-bfff-ffffffffffff";
    const cursor = (v: string | number | null) => Buffer.from(JSON.stringify({ v, id })).toString("base64url");
    const first = async (sort: string, v: string | number | null) =>
      (
        await listNodes(deps, listNodesInputSchema.parse({ status: "all", sort, cursor: cursor(v), limit: 100 }))
      ).items.map((n) => n.id);
    expect(await first("price_asc", "1.1000005")).toEqual(
      await sqlOrder("price_asc", "price_per_hour > 1.1000005 AND status <> 'suspended'"),
    );
    expect(await first("price_desc", "1.100001")).toEqual(
      await sqlOrder(
        "price_desc",
        `(price_per_hour < 1.100001 OR (price_per_hour = 1.100001 AND id < '${id}')) AND status <> 'suspended'`,
      ),
    );
    // A null benchmark with the largest id: every other node without one comes after it, and nothing else.
    expect(await first("tflops_desc", null)).toEqual(
      await sqlOrder("tflops_desc", `tflops IS NULL AND id < '${id}' AND status <> 'suspended'`),
    );
    expect(scaledDecimal("1.1000005", 6)).toBe(1_100_000.5);
    expect(scaledDecimal("1.10000000", 6)).toBe(1_100_000);
    expect(scaledDecimal("805.25", 2)).toBe(80_525);
  });

  it("a row change announced on any instance is seen at once; an unannounced one within NODE_LIST_CACHE_SECONDS", async () => {
    const [node] = await seed();
    const other: Deps = { ...deps, local: {} };
    const price = async (via: Deps = deps) =>
      (
        await listNodes(via, listNodesInputSchema.parse({ status: "all", seller: node!.seller.toLowerCase() }))
      ).items.find((n) => n.id === node!.id)?.pricePerHour;
    expect(await price()).toBe("0.4");

    await deps.prisma.node.update({ where: { id: node!.id }, data: { pricePerHour: "0.5" } });
    await invalidateNodeRows(other);
    expect(await price()).toBe("0.5");

    // Unannounced (as a job's busy/available change is): the old catalog answers until it is 5 s old,
    // then while one load (held here) replaces it.
    await deps.prisma.node.update({ where: { id: node!.id }, data: { pricePerHour: "0.6" } });
    const db = countedReads(true);
    deps.clock.advance(4_000); // the test clock also moves with real time
    deps.local.nodeLists = undefined;
    expect(await price(db.deps)).toBe("0.5");
    expect(db.reads).toBe(0);
    deps.clock.advance(1_000);
    for (let i = 0; i < 2; i++) {
      deps.local.nodeLists = undefined;
      expect(await price(db.deps)).toBe("0.5");
    }
    expect(db.reads).toBe(1);
    db.release();
    await deps.local.nodeCatalog!.loading?.promise;
    deps.local.nodeLists = undefined;
    expect(await price()).toBe("0.6");
  });

  /** Deps whose catalog reads are counted, and held until `release` when `gated`. */
  function countedReads(gated = false) {
    let release!: () => void;
    const gate = gated ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    const counted = {
      reads: 0,
      release: () => release(),
      deps: {
        ...deps,
        prisma: {
          $queryRaw: (query: TemplateStringsArray, ...values: unknown[]) => {
            counted.reads++;
            return gate.then(() => deps.prisma.$queryRaw(query, ...values));
          },
        },
      } as unknown as Deps,
    };
    return counted;
  }
  const asked = (version: string): RowsVersion => ({ version, seenAt: performance.now() });

  it("concurrent callers share one load; a failed load is not kept, and a failed refresh keeps the old catalog", async () => {
    await seed();
    deps.local.nodeCatalog = undefined;
    const db = countedReads();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => nodeCatalog(db.deps, asked("7"))));
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(db.reads).toBe(1);
    expect(a!.sorted.pricePerHour).toHaveLength(60); // the 10 suspended nodes are never shown

    const down = {
      ...deps,
      prisma: { $queryRaw: () => Promise.reject(new Error("database down")) },
    } as unknown as Deps;
    await expect(nodeCatalog(down, asked("8"))).rejects.toThrow("database down");
    expect(deps.local.nodeCatalog!.current).toBe(a);
    expect((await nodeCatalog(deps, asked("8"))).rowsVersion).toBe("8");

    const current = deps.local.nodeCatalog!.current;
    deps.clock.advance(5_000);
    expect(await nodeCatalog(down, asked("8"))).toBe(current);
    await deps.local.nodeCatalog!.loading?.promise.catch(() => undefined);
    expect(deps.local.nodeCatalog!.current).toBe(current);
  });

  it("a burst of changes costs one load after another, not one per caller, and each caller gets rows read after it asked", async () => {
    await seed();
    deps.local.nodeCatalog = undefined;
    const db = countedReads(true);
    const first = nodeCatalog(db.deps, asked("1"));
    // Five callers, each after a further change: they wait for the load in flight, then share the next.
    const later = ["2", "3", "4", "5", "6"].map((v) => asked(v));
    const waiting = later.map((rows) => nodeCatalog(db.deps, rows));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(db.reads).toBe(1);
    db.release();
    const firstCatalog = await first;
    const answers = await Promise.all(waiting);
    expect(db.reads).toBe(2);
    for (const [i, catalog] of answers.entries()) {
      expect(catalog).toBe(answers[0]);
      expect(catalog).not.toBe(firstCatalog);
      expect(catalog.readStartedAt).toBeGreaterThanOrEqual(later[i]!.seenAt);
    }
    expect(deps.local.nodeCatalog!.current).toBe(answers[0]);
  });
});
