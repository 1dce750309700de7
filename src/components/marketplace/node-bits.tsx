import Link from "next/link";
import type { RouterOutputs } from "@/trpc/react";
import { cn } from "@/components/ui";
import { formatVram, shortId } from "@/lib/format";
import { formatUsd, isFree } from "@/lib/money";

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

/** "8× NVIDIA H200", "NVIDIA H200", "CPU". */
export function nodeTitle(node: Pick<NodeView, "gpuCount" | "gpuModel">): string {
  return node.gpuCount > 1 ? `${node.gpuCount}× ${node.gpuModel}` : node.gpuModel;
}

/** A node's price per hour, or "Free". */
export function PricePerHour({ value }: { value: string }) {
  return isFree(value) ? (
    <span className="font-medium text-emerald-700">Free</span>
  ) : (
    <span className="font-medium text-slate-900 tabular-nums">
      {formatUsd(value)}
      <span className="font-normal text-slate-500">/h</span>
    </span>
  );
}

/** A node's title linking to its page, with its short id and memory underneath. */
export function NodeNameLink({
  node,
}: {
  node: Pick<NodeView, "id" | "gpuCount" | "gpuModel" | "gpuInfo" | "vramMiB">;
}) {
  return (
    <div className="min-w-0">
      <Link href={`/nodes/${node.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
        {nodeTitle(node)}
      </Link>
      <div className="text-xs text-slate-500">
        <span className="font-mono">{shortId(node.id)}</span> · {vramLabel(node)} {gpuCountLabel(node)}
      </div>
    </div>
  );
}
