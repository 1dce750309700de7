import Link from "next/link";
import type { RouterOutputs } from "@/trpc/react";
import { cn, Usd } from "@/components/ui";
import { formatVram, shortId } from "@/lib/format";
import { nodeDisplayName } from "@/lib/node-name";
import { isFree } from "@/lib/money";

export type NodeView = RouterOutputs["nodes"]["get"];

/** Nodes that take new jobs: available, or busy (the job waits in its queue). */
export function canRent(status: string): boolean {
  return status === "available" || status === "busy";
}

export function UtilizationBar({ value }: { value: number | null }) {
  if (value === null) return <span className="text-slate-400">—</span>;
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <span className="inline-flex items-center gap-2" title={`GPU utilisation ${pct}%`}>
      <span className="h-1.5 w-16 overflow-hidden rounded-full bg-slate-200">
        <span
          className={cn("block h-full rounded-full", pct > 80 ? "bg-amber-500" : "bg-emerald-500")}
          style={{ width: `${pct}%` }}
        />
      </span>
      <span className="w-8 text-xs text-slate-500 tabular-nums">{pct}%</span>
    </span>
  );
}

/** CPU-only nodes (no GPU) report gpuCount 0. */
export function isCpuOnly(node: Pick<NodeView, "gpuCount" | "gpuInfo">): boolean {
  return node.gpuCount === 0 || node.gpuInfo.cpuOnly === true;
}

/** "140 GiB" / "CPU only". */
export function vramLabel(node: Pick<NodeView, "gpuCount" | "gpuInfo" | "vramMiB">): string {
  return isCpuOnly(node) ? "—" : formatVram(node.vramMiB);
}

/** "×8" / "CPU". */
export function gpuCountLabel(node: Pick<NodeView, "gpuCount" | "gpuInfo">): string {
  return isCpuOnly(node) ? "CPU" : `×${node.gpuCount}`;
}

/** The seller's name for the node, else its GPU model (src/lib/node-name.ts). */
export function nodeTitle(node: Pick<NodeView, "name" | "gpuModel">): string {
  return nodeDisplayName(node);
}

/** What it runs on: "8× NVIDIA H200", "NVIDIA H200", "CPU". */
export function hardwareLabel(node: Pick<NodeView, "gpuCount" | "gpuModel">): string {
  return node.gpuCount > 1 ? `${node.gpuCount}× ${node.gpuModel}` : node.gpuModel;
}

/** A node's price per hour, or "Free". */
export function PricePerHour({ value }: { value: string }) {
  return isFree(value) ? (
    <span className="font-medium text-emerald-700">Free</span>
  ) : (
    <span className="font-medium text-slate-900 tabular-nums">
      <Usd value={value} />
      <span className="font-normal text-slate-500">/h</span>
    </span>
  );
}

/** A node's name linking to its page, with its short id, GPU model (when named) and memory underneath. */
export function NodeNameLink({
  node,
}: {
  node: Pick<NodeView, "id" | "name" | "gpuCount" | "gpuModel" | "gpuInfo" | "vramMiB">;
}) {
  return (
    <div className="min-w-0">
      <Link
        href={`/nodes/${node.id}`}
        className="font-medium break-words text-slate-900 hover:text-indigo-600"
        data-testid="node-name"
      >
        {nodeTitle(node)}
      </Link>
      <div className="text-xs text-slate-500">
        <span className="font-mono">{shortId(node.id)}</span>
        {node.name ? ` · ${node.gpuModel}` : ""} · {vramLabel(node)} {gpuCountLabel(node)}
      </div>
    </div>
  );
}
