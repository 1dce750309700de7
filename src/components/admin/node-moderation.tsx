"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Dialog,
  EmptyState,
  ErrorMessage,
  Field,
  Input,
  LoadingBlock,
  NodeStatusBadge,
  SearchIcon,
  Select,
  Spinner,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  Textarea,
} from "@/components/ui";
import { nodeTitle, type NodeView, NodeNameLink } from "@/components/marketplace/node-bits";
import { formatDateTime, formatReliability, shortAddress, timeAgo, formatUsd } from "@/lib/format";
import { isFree } from "@/lib/money";
import { useTRPC, type RouterInputs } from "@/trpc/react";

type NodesInput = Exclude<RouterInputs["admin"]["nodes"], void | undefined>;
type Status = NonNullable<NodesInput["status"]>;

const PAGE = 20;
const STATUS_FILTERS: { value: Status | ""; label: string }[] = [
  { value: "", label: "All statuses" },
  { value: "available", label: "Available" },
  { value: "busy", label: "Busy" },
  { value: "offline", label: "Offline" },
  { value: "paused", label: "Paused" },
  { value: "suspended", label: "Suspended" },
];

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Admin changes touch the node lists, the stats and the audit log. */
function useRefreshAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.nodes.pathKey() }),
    ]);
}

/** Mounted per node (keyed), so the reason starts empty each time. */
function SuspendDialog({ node, onClose }: { node: NodeView; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshAdmin();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const suspend = useMutation(
    trpc.admin.suspendNode.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Suspend ${nodeTitle(node)}?`}
      description="It leaves the marketplace at once and gets no new jobs until it is unsuspended. Its seller sees the reason."
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) suspend.mutate({ nodeId: node.id, reason: reason.trim() });
        }}
      >
        <p className="rounded-lg bg-slate-50 px-3 py-2 text-xs text-slate-600">
          Node <span className="font-mono">{node.id}</span>
          <br />
          Seller <span className="font-mono break-all">{node.sellerAddress}</span>
        </p>
        <Field label="Reason" htmlFor={reasonId} hint="Written to the audit log and shown on the node's page.">
          <Textarea
            id={reasonId}
            value={reason}
            maxLength={500}
            required
            placeholder="e.g. Jobs report wrong results"
            onChange={(e) => setReason(e.target.value)}
          />
        </Field>
        <ErrorMessage error={suspend.error} />
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" loading={suspend.isPending} disabled={!reason.trim()}>
            Suspend node
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Actions({ node, onSuspend }: { node: NodeView; onSuspend: (n: NodeView) => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshAdmin();
  const unsuspend = useMutation(trpc.admin.unsuspendNode.mutationOptions({ onSuccess: refresh }));
  if (node.status === "suspended") {
    return (
      <span className="inline-flex flex-col items-end gap-1">
        <Button
          size="sm"
          variant="secondary"
          loading={unsuspend.isPending}
          onClick={() => unsuspend.mutate({ nodeId: node.id })}
        >
          Unsuspend
        </Button>
        {unsuspend.error && <ErrorMessage error={unsuspend.error} className="text-left whitespace-normal" />}
      </span>
    );
  }
  return (
    <Button size="sm" variant="danger" onClick={() => onSuspend(node)}>
      Suspend
    </Button>
  );
}

function StatusCell({ node }: { node: NodeView }) {
  return (
    <div className="max-w-56 whitespace-normal">
      <NodeStatusBadge status={node.status} />
      {node.status === "suspended" && node.suspendedReason && (
        <p className="mt-1 text-xs text-rose-700" data-testid="suspended-reason">
          {node.suspendedReason}
        </p>
      )}
    </div>
  );
}

const price = (n: NodeView) => (isFree(n.pricePerHour) ? "Free" : `${formatUsd(n.pricePerHour)}/h`);

/** Every node, suspended ones included (`admin.nodes`), with search, a status filter and moderation. */
export function NodeModeration() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const [suspending, setSuspending] = useState<NodeView | null>(null);
  const q = useDebounced(search.trim(), 250);
  // A new search or filter starts at the first page.
  const filterKey = `${status}|${q}`;
  const [page, setPage] = useState({ filterKey, offset: 0 });
  const offset = page.filterKey === filterKey ? page.offset : 0;
  const setOffset = (o: number) => setPage({ filterKey, offset: o });

  const input: NodesInput = { limit: PAGE, offset, ...(status ? { status } : {}), ...(q ? { search: q } : {}) };
  const nodes = useQuery(
    trpc.admin.nodes.queryOptions(input, { placeholderData: keepPreviousData, refetchInterval: 15_000 }),
  );
  const total = nodes.data?.total ?? 0;

  return (
    <section id="nodes" className="scroll-mt-20">
      <Card>
        <CardHeader
          title="Nodes"
          description={
            nodes.data
              ? `${total.toLocaleString("en-US")} node${total === 1 ? "" : "s"}${q || status ? (total === 1 ? " matches" : " match") : ", suspended ones included"}`
              : "Every node, suspended ones included"
          }
          actions={nodes.isFetching && !nodes.isPending ? <Spinner className="text-slate-400" /> : undefined}
        />
        <div className="flex flex-col gap-2 border-b border-slate-100 px-4 py-3 sm:flex-row sm:px-5">
          <div className="relative flex-1">
            <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" />
            <Input
              type="search"
              aria-label="Search nodes"
              placeholder="Name, GPU model or seller address"
              className="pl-9"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
          <Select
            aria-label="Node status"
            className="sm:w-44"
            value={status}
            onChange={(e) => setStatus(e.target.value as Status | "")}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </Select>
        </div>
        {nodes.isPending ? (
          <LoadingBlock label="Loading nodes…" />
        ) : nodes.isError ? (
          <div className="p-5">
            <ErrorMessage error={nodes.error} onRetry={() => void nodes.refetch()} />
          </div>
        ) : nodes.data.items.length === 0 ? (
          <EmptyState
            title={q || status ? "No nodes match" : "No nodes registered"}
            description={q || status ? "Try another search or status." : undefined}
          />
        ) : (
          <>
            <Table className="hidden md:block">
              <THead>
                <tr>
                  <TH>Node</TH>
                  <TH>Seller</TH>
                  <TH>Status</TH>
                  <TH align="right">Price</TH>
                  <TH align="right">Jobs</TH>
                  <TH align="right">Reliability</TH>
                  <TH>Last seen</TH>
                  <TH>
                    <span className="sr-only">Actions</span>
                  </TH>
                </tr>
              </THead>
              <TBody>
                {nodes.data.items.map((n) => (
                  <TR key={n.id} data-testid="admin-node-row" data-node-id={n.id}>
                    <TD>
                      <NodeNameLink node={n} />
                    </TD>
                    <TD className="font-mono text-xs">
                      <span title={n.sellerAddress}>{shortAddress(n.sellerAddress)}</span>
                    </TD>
                    <TD>
                      <StatusCell node={n} />
                    </TD>
                    <TD align="right">{price(n)}</TD>
                    <TD align="right">{n.totalJobs.toLocaleString("en-US")}</TD>
                    <TD align="right">{formatReliability(n.reliability)}</TD>
                    <TD className="text-xs text-slate-500">
                      <span title={formatDateTime(n.lastHeartbeatAt)}>{timeAgo(n.lastHeartbeatAt)}</span>
                    </TD>
                    <TD align="right">
                      <Actions node={n} onSuspend={setSuspending} />
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
            <ul className="divide-y divide-slate-100 md:hidden">
              {nodes.data.items.map((n) => (
                <li key={n.id} className="space-y-2 px-4 py-4" data-testid="admin-node-card" data-node-id={n.id}>
                  <div className="flex items-start justify-between gap-3">
                    <NodeNameLink node={n} />
                    <Actions node={n} onSuspend={setSuspending} />
                  </div>
                  <StatusCell node={n} />
                  <p className="text-xs text-slate-500">
                    Seller <span className="font-mono">{shortAddress(n.sellerAddress)}</span> · {price(n)} ·{" "}
                    {n.totalJobs} job{n.totalJobs === 1 ? "" : "s"} · {formatReliability(n.reliability)} reliable · seen{" "}
                    {timeAgo(n.lastHeartbeatAt)}
                  </p>
                </li>
              ))}
            </ul>
            {total > PAGE && (
              <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-3 text-sm text-slate-600 sm:px-5">
                <span className="tabular-nums">
                  {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
                </span>
                <span className="flex gap-2">
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={offset === 0}
                    onClick={() => setOffset(Math.max(0, offset - PAGE))}
                  >
                    Previous
                  </Button>
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={offset + PAGE >= total}
                    onClick={() => setOffset(offset + PAGE)}
                  >
                    Next
                  </Button>
                </span>
              </div>
            )}
          </>
        )}
      </Card>
      {suspending && <SuspendDialog key={suspending.id} node={suspending} onClose={() => setSuspending(null)} />}
    </section>
  );
}
