"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { zodResolver } from "@hookform/resolvers/zod";
import { useId, useState, type ReactNode } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import {
  Button,
  Card,
  CardBody,
  CardHeader,
  ChipIcon,
  EmptyState,
  ErrorMessage,
  Input,
  LoadingBlock,
  NodeStatusBadge,
  PencilIcon,
  Stat,
  StatGrid,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  Usd,
} from "@/components/ui";
import { DailyUsdChart, NoChartData } from "@/components/charts";
import { PricePerHour, UtilizationBar, NodeNameLink } from "@/components/marketplace/node-bits";
import { SignInPrompt } from "@/components/wallet/connect-button";
import { useSession } from "@/components/wallet/session";
import { formatReliability, shortAddress, timeAgo, formatUsd } from "@/lib/format";
import { useTRPC, useTRPCClient, type RouterOutputs } from "@/trpc/react";
import { AddNode } from "./add-node";
import { nameFormSchema, priceFormSchema } from "@/lib/seller-fields";
import { useSellerSigner } from "./use-seller-signer";

type Dashboard = RouterOutputs["seller"]["dashboard"];
type SellerNode = Dashboard["nodes"][number];

const DAYS = 30;

function useRefreshSeller() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.seller.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.nodes.pathKey() }),
    ]);
}

/** Change price and pause/resume: each is an EIP-712 message the seller's wallet signs. */
function useNodeActions(node: SellerNode) {
  const client = useTRPCClient();
  const sign = useSellerSigner();
  const refresh = useRefreshSeller();
  const pause = useMutation({
    mutationFn: async (paused: boolean) => {
      const signed = await sign("SetNodePaused", { nodeId: node.id, paused });
      return paused ? client.nodes.pause.mutate(signed) : client.nodes.resume.mutate(signed);
    },
    onSuccess: refresh,
  });
  // A price change leaves the name out (UpdateNode); a rename carries it (signed as UpdateNamedNode).
  const update = useMutation({
    mutationFn: async (change: { pricePerHour?: string; name?: string }) => {
      const signed = await sign("UpdateNode", {
        nodeId: node.id,
        pricePerHour: change.pricePerHour ?? node.pricePerHour,
        endpoint: node.endpoint,
        ...(change.name === undefined ? {} : { name: change.name }),
      });
      return client.nodes.update.mutate(signed);
    },
    onSuccess: refresh,
  });
  return { pause, update };
}

type Update = ReturnType<typeof useNodeActions>["update"];

function EditButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      className="shrink-0 rounded-md p-1.5 text-slate-400 hover:bg-slate-100 hover:text-indigo-600"
      onClick={onClick}
    >
      <PencilIcon className="size-4" />
    </button>
  );
}

/** The node's name and a rename button. */
function NameView({ node, onEdit }: { node: SellerNode; onEdit: () => void }) {
  return (
    <div className="flex items-start gap-1">
      <NodeNameLink node={node} />
      <EditButton label="Rename node" onClick={onEdit} />
    </div>
  );
}

/** Rename: the seller's wallet signs the new name ("" = shown by its GPU model again). */
function NameForm({ node, update, onDone }: { node: SellerNode; update: Update; onDone: () => void }) {
  const form = useForm<z.infer<typeof nameFormSchema>>({
    resolver: zodResolver(nameFormSchema),
    mode: "onChange",
    defaultValues: { name: node.name ?? "" },
  });
  const problem = form.formState.errors.name?.message;
  const messageId = useId();
  return (
    <form
      className="flex flex-col gap-1"
      onSubmit={form.handleSubmit((values) => update.mutate(values, { onSuccess: onDone }))}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="block w-72 max-w-full">
          <Input
            aria-label="Node name"
            autoFocus
            className="h-8"
            maxLength={80}
            placeholder={node.gpuModel}
            {...form.register("name")}
            aria-invalid={Boolean(problem)}
            aria-describedby={messageId}
          />
        </span>
        <SaveOrCancel pending={update.isPending} invalid={Boolean(problem)} onCancel={onDone} />
      </div>
      <FieldMessage id={messageId} problem={problem}>
        {`Shown to buyers; leave it empty to show the GPU model (${node.gpuModel}).`}
      </FieldMessage>
    </form>
  );
}

/** Save (the wallet signs) or cancel an inline edit. */
function SaveOrCancel({ pending, invalid, onCancel }: { pending: boolean; invalid: boolean; onCancel: () => void }) {
  return (
    <>
      <Button type="submit" size="sm" loading={pending} disabled={invalid}>
        {pending ? "Sign…" : "Save"}
      </Button>
      <Button size="sm" variant="ghost" onClick={onCancel} disabled={pending}>
        Cancel
      </Button>
    </>
  );
}

/** Under an inline field: its problem (announced), else what the field is for. */
function FieldMessage({
  id,
  problem,
  testId,
  children,
}: {
  id: string;
  problem: string | null | undefined;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <p
      id={id}
      className={`text-xs whitespace-normal ${problem ? "text-rose-600" : "text-slate-500"}`}
      role={problem ? "alert" : undefined}
      data-testid={testId}
    >
      {problem ?? children}
    </p>
  );
}

/** The node's price and a change button. */
function PriceView({ node, onEdit }: { node: SellerNode; onEdit: () => void }) {
  return (
    <span className="inline-flex items-center gap-1">
      <span data-testid="node-price">
        <PricePerHour value={node.pricePerHour} />
      </span>
      <EditButton label="Change price" onClick={onEdit} />
    </span>
  );
}

/** A new price per hour, checked as you type (the protocol's rule), signed by the seller's wallet. */
function PriceForm({
  node,
  update,
  onDone,
  align = "right",
}: {
  node: SellerNode;
  update: Update;
  onDone: () => void;
  align?: "left" | "right";
}) {
  const form = useForm<z.infer<typeof priceFormSchema>>({
    resolver: zodResolver(priceFormSchema),
    mode: "onChange",
    defaultValues: { pricePerHour: node.pricePerHour },
  });
  const problem = form.formState.errors.pricePerHour?.message;
  const messageId = useId();
  return (
    <form
      className={`flex flex-col gap-1 ${align === "right" ? "items-end" : "items-start"}`}
      onSubmit={form.handleSubmit((values) => update.mutate(values, { onSuccess: onDone }))}
    >
      <div className="flex flex-wrap items-center gap-2">
        {/* A block of fixed width: the value stays readable wherever the form sits. */}
        <span className="relative block w-36 shrink-0">
          <span className="pointer-events-none absolute inset-y-0 left-2.5 flex items-center text-sm text-slate-400">
            $
          </span>
          <Input
            aria-label="Price per hour (USD)"
            inputMode="decimal"
            autoFocus
            className="h-8 pr-2 pl-6 text-right tabular-nums"
            {...form.register("pricePerHour")}
            aria-invalid={Boolean(problem)}
            aria-describedby={messageId}
          />
        </span>
        <span className="shrink-0 text-sm text-slate-500">per hour</span>
        <SaveOrCancel pending={update.isPending} invalid={Boolean(problem)} onCancel={onDone} />
      </div>
      <FieldMessage id={messageId} problem={problem} testId="price-message">
        USD per hour, up to 6 decimals; buyers pay per second used.
      </FieldMessage>
    </form>
  );
}

function PauseButton({ node, pause }: { node: SellerNode; pause: ReturnType<typeof useNodeActions>["pause"] }) {
  if (node.status === "suspended") return <span className="text-xs text-slate-400">Suspended by an admin</span>;
  const paused = node.status === "paused";
  return (
    <Button size="sm" variant="secondary" onClick={() => pause.mutate(!paused)} loading={pause.isPending}>
      {paused ? "Resume" : "Pause"}
    </Button>
  );
}

const COLUMNS = 8;

/**
 * A node in the table. While its name or price is edited, the form takes the
 * row's width (one wide cell) instead of squeezing into its column.
 */
function NodeRow({ node }: { node: SellerNode }) {
  const { pause, update } = useNodeActions(node);
  const [editing, setEditing] = useState<"name" | "price" | null>(null);
  const edit = (what: "name" | "price") => () => {
    update.reset();
    setEditing(what);
  };
  const done = () => setEditing(null);
  const error = pause.error ?? update.error;
  return (
    <>
      <TR data-testid="seller-node-row" data-node-id={node.id}>
        {editing === "name" ? (
          <TD colSpan={COLUMNS}>
            <NameForm node={node} update={update} onDone={done} />
          </TD>
        ) : (
          <>
            <TD className="whitespace-normal">
              <NameView node={node} onEdit={edit("name")} />
            </TD>
            <TD>
              <NodeStatusBadge status={node.status} />
              {node.status === "offline" && (
                <div className="mt-1 text-xs text-slate-500">last seen {timeAgo(node.lastHeartbeatAt)}</div>
              )}
            </TD>
            {editing === "price" ? (
              <TD colSpan={COLUMNS - 2} align="right">
                <PriceForm node={node} update={update} onDone={done} />
              </TD>
            ) : (
              <>
                <TD>
                  <UtilizationBar value={node.gpuUtilization} />
                </TD>
                <TD align="right">
                  {node.totalJobs.toLocaleString("en-US")} · {node.jobsRunning}
                </TD>
                <TD align="right">{formatReliability(node.reliability)}</TD>
                <TD align="right" className="font-medium text-slate-900">
                  <Usd value={node.earnedUsd} />
                </TD>
                <TD align="right">
                  <PriceView node={node} onEdit={edit("price")} />
                </TD>
                <TD align="right">
                  <PauseButton node={node} pause={pause} />
                </TD>
              </>
            )}
          </>
        )}
      </TR>
      {error && (
        <tr>
          <td colSpan={COLUMNS} className="px-4 pb-3">
            <ErrorMessage error={error} />
          </td>
        </tr>
      )}
    </>
  );
}

function NodeCard({ node }: { node: SellerNode }) {
  const { pause, update } = useNodeActions(node);
  const [editing, setEditing] = useState<"name" | "price" | null>(null);
  const edit = (what: "name" | "price") => () => {
    update.reset();
    setEditing(what);
  };
  const done = () => setEditing(null);
  const error = pause.error ?? update.error;
  return (
    <li className="px-4 py-4" data-testid="seller-node-card" data-node-id={node.id}>
      {editing === "name" ? (
        <NameForm node={node} update={update} onDone={done} />
      ) : (
        <div className="flex items-start justify-between gap-3">
          <NameView node={node} onEdit={edit("name")} />
          <NodeStatusBadge status={node.status} />
        </div>
      )}
      <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-2 text-xs sm:grid-cols-4">
        <div>
          <dt className="text-slate-500">Utilisation</dt>
          <dd>
            <UtilizationBar value={node.gpuUtilization} />
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Jobs served · running</dt>
          <dd className="font-medium text-slate-900 tabular-nums">
            {node.totalJobs.toLocaleString("en-US")} · {node.jobsRunning}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Earned</dt>
          <dd className="font-medium text-slate-900 tabular-nums">
            <Usd value={node.earnedUsd} />
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Reliability</dt>
          <dd className="font-medium text-slate-900 tabular-nums">{formatReliability(node.reliability)}</dd>
        </div>
      </dl>
      <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
        {editing === "price" ? (
          <PriceForm node={node} update={update} onDone={done} align="left" />
        ) : (
          <>
            <PriceView node={node} onEdit={edit("price")} />
            <PauseButton node={node} pause={pause} />
          </>
        )}
      </div>
      {error && <ErrorMessage className="mt-3" error={error} />}
    </li>
  );
}

function YourNodes({ data }: { data: Dashboard }) {
  return (
    <Card>
      <CardHeader
        title="Your nodes"
        description="Rename a node, change its price or pause it: your wallet signs each change, nothing is sent on chain."
      />
      {data.nodes.length === 0 ? (
        <EmptyState
          icon={<ChipIcon className="size-6" />}
          title="No nodes yet"
          description="Add a node below: sign a pairing code here, run two commands on the GPU machine, and it shows up in this list."
          action={
            <a href="#add-node" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
              Add a node ↓
            </a>
          }
        />
      ) : (
        <>
          <Table className="hidden lg:block">
            <THead>
              <tr>
                <TH>Node</TH>
                <TH>Status</TH>
                <TH>Utilisation</TH>
                <TH align="right">Jobs · running</TH>
                <TH align="right">Reliability</TH>
                <TH align="right">Earned</TH>
                <TH align="right">Price</TH>
                <TH>
                  <span className="sr-only">Actions</span>
                </TH>
              </tr>
            </THead>
            <TBody>
              {data.nodes.map((n) => (
                <NodeRow key={n.id} node={n} />
              ))}
            </TBody>
          </Table>
          <ul className="divide-y divide-slate-100 lg:hidden">
            {data.nodes.map((n) => (
              <NodeCard key={n.id} node={n} />
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

function Earnings({ data }: { data: Dashboard }) {
  const points = data.earningsByDay.map((d) => ({ day: d.day, usd: Number(d.usd) }));
  const total = data.earningsByDay.reduce((sum, d) => sum + Number(d.usd), 0);
  return (
    <Card>
      <CardHeader
        title="Earnings"
        description={`Settled to your wallet, per day, the last ${DAYS} days (UTC)`}
        actions={
          <span className="text-sm font-semibold text-slate-900 tabular-nums" data-testid="earnings-30d">
            <Usd value={total.toFixed(6).replace(/\.?0+$/, "")} />
          </span>
        }
      />
      <CardBody>
        {data.nodes.length === 0 ? (
          <NoChartData>Earnings show here once your nodes run paid jobs.</NoChartData>
        ) : (
          <DailyUsdChart data={points} label="Earned" />
        )}
      </CardBody>
    </Card>
  );
}

export function SellerDashboard() {
  const trpc = useTRPC();
  const { session, loading } = useSession();
  const [waitingForAgent, setWaitingForAgent] = useState(false);
  const dashboard = useQuery({
    ...trpc.seller.dashboard.queryOptions({ days: DAYS }),
    enabled: Boolean(session),
    // Faster while a pairing code waits for its agent, so the new node shows up at once.
    refetchInterval: waitingForAgent ? 2_000 : 15_000,
  });

  if (loading) return <LoadingBlock />;
  if (!session) {
    return (
      <Card>
        <SignInPrompt
          title="Sign in to manage your nodes"
          description="Sellers sign in with the wallet that receives their earnings: it signs each node's registration and price."
        />
      </Card>
    );
  }
  if (dashboard.isPending) return <LoadingBlock label="Loading your nodes…" />;
  if (dashboard.isError) {
    return (
      <Card className="p-5">
        <ErrorMessage
          error={dashboard.error}
          title="Could not load your nodes"
          onRetry={() => void dashboard.refetch()}
        />
      </Card>
    );
  }
  const { totals, nodes } = dashboard.data;
  return (
    <div className="space-y-5">
      <StatGrid>
        <Stat
          label="Earned"
          value={<Usd value={totals.earnedUsd} />}
          hint={
            Number(totals.feesUsd) > 0
              ? `USDC captured for you, after ${formatUsd(totals.feesUsd)} in fees`
              : "USDC captured for you (seconds used)"
          }
          tone={Number(totals.earnedUsd) > 0 ? "good" : "default"}
          data-testid="stat-earned"
        />
        <Stat label="Held in escrow" value={<Usd value={totals.pendingUsd} />} hint="Jobs not settled yet (at most)" />
        <Stat label="Jobs served" value={totals.jobsServed.toLocaleString("en-US")} hint="All your nodes" />
        <Stat
          label="Nodes online"
          value={`${totals.nodesOnline} / ${nodes.length}`}
          hint={nodes.length ? "Available or busy" : "None yet"}
          data-testid="stat-online"
        />
      </StatGrid>
      <YourNodes data={dashboard.data} />
      <div className="grid items-start gap-5 lg:grid-cols-2">
        <Earnings data={dashboard.data} />
        <AddNode nodes={nodes} onWaitingChange={setWaitingForAgent} />
      </div>
      <p className="text-xs text-slate-500">
        Earnings are paid in USDC to {shortAddress(session.address)}, the address you signed in with.
      </p>
    </div>
  );
}
