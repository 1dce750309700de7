"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import {
  Button,
  ButtonLink,
  Card,
  ChipIcon,
  EmptyState,
  ErrorMessage,
  LoadingBlock,
  NodeStatusBadge,
  Spinner,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  ShowMore,
} from "@/components/ui";
import { formatReliability, formatTflops, shortAddress } from "@/lib/format";
import { useTRPC, type RouterInputs } from "@/trpc/react";
import {
  canRent,
  gpuCountLabel,
  isCpuOnly,
  nodeTitle,
  PricePerHour,
  UtilizationBar,
  vramLabel,
  type NodeView,
} from "./node-bits";
import { DEFAULT_FILTERS, NodeFilters, SortSelect, type Filters } from "./node-filters";

type ListInput = Exclude<RouterInputs["nodes"]["list"], void | undefined>;

function readFilters(params: URLSearchParams): Filters {
  return {
    model: params.get("model") ?? "",
    vram: params.get("vram") ?? "",
    gpus: params.get("gpus") ?? "",
    price: params.get("price") ?? "",
    status: params.get("status") ?? DEFAULT_FILTERS.status,
    sort: params.get("sort") ?? DEFAULT_FILTERS.sort,
  };
}

function toListInput(f: Filters): ListInput {
  const input: ListInput = {
    status: (["online", "available", "busy", "offline", "paused", "all"].includes(f.status)
      ? f.status
      : "online") as ListInput["status"],
    sort: (["price_asc", "price_desc", "vram_desc", "tflops_desc", "newest"].includes(f.sort)
      ? f.sort
      : "price_asc") as ListInput["sort"],
    limit: 20,
  };
  if (f.model.trim()) input.gpuModel = f.model.trim().slice(0, 100);
  if (/^\d+$/.test(f.vram)) input.minVramMiB = Math.min(Number(f.vram) * 1024, 10_000_000);
  if (/^\d+$/.test(f.gpus)) input.minGpuCount = Math.min(Number(f.gpus), 64);
  if (/^\d{1,5}(\.\d{1,6})?$/.test(f.price)) input.maxPricePerHour = f.price;
  return input;
}

function Reliability({ value }: { value: number | null }) {
  return (
    <span
      data-testid="node-reliability"
      className="tabular-nums"
      title={value === null ? "No finished jobs yet" : "Share of finished jobs not lost to node errors"}
    >
      {formatReliability(value)}
    </span>
  );
}

function RentButton({ node, size = "sm" }: { node: NodeView; size?: "sm" | "md" }) {
  const ok = canRent(node.status);
  return ok ? (
    <ButtonLink href={`/jobs/new?node=${node.id}`} size={size} aria-label={`Rent ${nodeTitle(node)}`}>
      Rent
    </ButtonLink>
  ) : (
    <Button size={size} variant="secondary" disabled title={`This node is ${node.status}`}>
      Rent
    </Button>
  );
}

function GpuCell({ node }: { node: NodeView }) {
  return (
    <div className="min-w-0">
      <Link href={`/nodes/${node.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
        {nodeTitle(node)}
      </Link>
      <div className="text-xs text-slate-500">
        {node.name ? `${node.gpuModel} · ` : ""}Seller {shortAddress(node.sellerAddress)}
      </div>
    </div>
  );
}

function NodeTable({ nodes }: { nodes: NodeView[] }) {
  return (
    <Table className="hidden md:block">
      <THead>
        <tr>
          <TH>Node</TH>
          <TH align="right">VRAM</TH>
          <TH align="right">GPUs</TH>
          <TH align="right">TFLOPS</TH>
          <TH align="right">Price</TH>
          <TH>Status</TH>
          <TH>Utilisation</TH>
          <TH align="right">Reliability</TH>
          <TH>
            <span className="sr-only">Rent</span>
          </TH>
        </tr>
      </THead>
      <TBody>
        {nodes.map((n) => (
          <TR key={n.id} data-testid="node-row" data-node-id={n.id}>
            <TD>
              <GpuCell node={n} />
            </TD>
            <TD align="right">{vramLabel(n)}</TD>
            <TD align="right">{gpuCountLabel(n)}</TD>
            <TD align="right">{formatTflops(n.tflops)}</TD>
            <TD align="right">
              <PricePerHour value={n.pricePerHour} />
            </TD>
            <TD>
              <NodeStatusBadge status={n.status} />
            </TD>
            <TD>
              <UtilizationBar value={n.gpuUtilization} />
            </TD>
            <TD align="right">
              <Reliability value={n.reliability} />
            </TD>
            <TD align="right">
              <RentButton node={n} />
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function NodeCards({ nodes }: { nodes: NodeView[] }) {
  return (
    <ul className="divide-y divide-slate-100 md:hidden">
      {nodes.map((n) => (
        <li key={n.id} className="px-4 py-4" data-testid="node-card" data-node-id={n.id}>
          <div className="flex items-start justify-between gap-3">
            <GpuCell node={n} />
            <NodeStatusBadge status={n.status} />
          </div>
          <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-2 text-xs">
            <div>
              <dt className="text-slate-500">VRAM</dt>
              <dd className="font-medium text-slate-900">
                {isCpuOnly(n) ? "CPU only" : `${vramLabel(n)} ${gpuCountLabel(n)}`}
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">TFLOPS</dt>
              <dd className="font-medium text-slate-900">{formatTflops(n.tflops)}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Utilisation</dt>
              <dd>
                <UtilizationBar value={n.gpuUtilization} />
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">Reliability</dt>
              <dd className="font-medium text-slate-900">
                <Reliability value={n.reliability} />
              </dd>
            </div>
          </dl>
          <div className="mt-3 flex items-center justify-between">
            <PricePerHour value={n.pricePerHour} />
            <RentButton node={n} />
          </div>
        </li>
      ))}
    </ul>
  );
}

export function Marketplace() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => readFilters(new URLSearchParams(params.toString())), [params]);
  const input = useMemo(() => toListInput(filters), [filters]);

  const setFilters = useCallback(
    (next: Partial<Filters>) => {
      const merged = { ...filters, ...next };
      const sp = new URLSearchParams();
      for (const [k, v] of Object.entries(merged)) {
        if (v && v !== DEFAULT_FILTERS[k as keyof Filters]) sp.set(k, v);
      }
      const qs = sp.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [filters, pathname, router],
  );

  const query = useInfiniteQuery({
    ...trpc.nodes.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      // Live status without spending the discovery rate limit (10/min per IP by default).
      refetchInterval: 15_000,
      placeholderData: keepPreviousData,
    }),
  });

  const nodes = query.data?.pages.flatMap((p) => p.items) ?? [];
  const dirty = JSON.stringify(filters) !== JSON.stringify(DEFAULT_FILTERS);
  const online = nodes.filter((n) => canRent(n.status)).length;

  return (
    <div className="space-y-5">
      <Card className="p-4 sm:p-5">
        <NodeFilters value={filters} onChange={setFilters} />
      </Card>
      <Card>
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="flex items-center gap-2 text-sm text-slate-600">
            {query.isPending ? (
              "Looking for nodes…"
            ) : (
              <span data-testid="node-count">
                {nodes.length} node{nodes.length === 1 ? "" : "s"}
                {query.hasNextPage ? "+" : ""}
                {filters.status !== "online" && filters.status !== "available" ? ` · ${online} online` : ""}
              </span>
            )}
            {query.isFetching && !query.isPending && <Spinner className="text-slate-400" label="Refreshing" />}
            {dirty && (
              <Button variant="ghost" size="sm" onClick={() => setFilters(DEFAULT_FILTERS)}>
                Clear filters
              </Button>
            )}
          </div>
          <SortSelect value={filters.sort} onChange={(sort) => setFilters({ sort })} />
        </div>
        {query.isPending ? (
          <LoadingBlock label="Loading nodes…" />
        ) : query.isError && nodes.length === 0 ? (
          <div className="p-4 sm:p-5">
            <ErrorMessage
              error={query.error}
              title="Could not load the marketplace"
              onRetry={() => void query.refetch()}
            />
          </div>
        ) : nodes.length === 0 ? (
          <EmptyState
            icon={<ChipIcon className="size-6" />}
            title={dirty ? "No nodes match these filters" : "No GPUs online right now"}
            description={
              dirty
                ? "Try a wider price range, less VRAM, or show offline nodes too."
                : "Sellers' nodes appear here as soon as their agent checks in. Run the agent on your GPU machine to be the first."
            }
            action={
              dirty ? (
                <Button variant="secondary" onClick={() => setFilters(DEFAULT_FILTERS)}>
                  Clear filters
                </Button>
              ) : (
                <ButtonLink href="/seller" variant="secondary">
                  Sell your GPU time
                </ButtonLink>
              )
            }
          />
        ) : (
          <>
            {query.isError && (
              <div className="px-4 pt-3 sm:px-5">
                <ErrorMessage error={query.error} title="Showing the last list we loaded" />
              </div>
            )}
            <NodeTable nodes={nodes} />
            <NodeCards nodes={nodes} />
            <ShowMore query={query} label="Show more nodes" />
          </>
        )}
      </Card>
    </div>
  );
}
