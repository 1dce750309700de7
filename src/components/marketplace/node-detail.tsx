"use client";

import { useQuery } from "@tanstack/react-query";
import {
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  DescriptionList,
  LoadingBlock,
  NodeStatusBadge,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  NotFoundOrError,
  Usd,
} from "@/components/ui";
import { JOB_TYPE_LABELS, JOB_TYPES } from "@computeswarm/protocol";
import { Page } from "@/components/shell/page";
import { errorData } from "@/lib/errors";
import { formatDateTime, formatReliability, formatTflops, formatVram, timeAgo } from "@/lib/format";
import { isFree } from "@/lib/money";
import { useTRPC } from "@/trpc/react";
import { canRent, gpuCountLabel, hardwareLabel, nodeTitle, UtilizationBar, vramLabel } from "./node-bits";

export function NodeDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const node = useQuery(trpc.nodes.get.queryOptions({ id }, { refetchInterval: 15_000 }));
  const back = { href: "/", label: "Marketplace" };

  if (node.isPending)
    return (
      <Page back={back}>
        <LoadingBlock label="Loading node…" />
      </Page>
    );
  if (node.isError) {
    const notFound = errorData(node.error)?.code === "NOT_FOUND" || errorData(node.error)?.code === "BAD_REQUEST";
    return (
      <Page back={back}>
        <NotFoundOrError
          notFound={notFound}
          notFoundTitle="No such node"
          notFoundDescription="This node does not exist, or it was removed."
          action={<ButtonLink href="/">Browse nodes</ButtonLink>}
          error={node.error}
          errorTitle="Could not load this node"
          onRetry={() => void node.refetch()}
        />
      </Page>
    );
  }

  const n = node.data;
  const info = n.gpuInfo;
  const rentable = canRent(n.status);
  return (
    <Page
      back={back}
      title={
        <span className="flex flex-wrap items-center gap-3">
          <span className="min-w-0 break-words">{nodeTitle(n)}</span>
          <NodeStatusBadge status={n.status} />
        </span>
      }
      description={n.name ? `${hardwareLabel(n)} · node ${n.id}` : `Node ${n.id}`}
      actions={
        rentable ? (
          <ButtonLink href={`/jobs/new?node=${n.id}`} size="lg">
            Rent this node
          </ButtonLink>
        ) : undefined
      }
    >
      <div className="grid gap-5 lg:grid-cols-3">
        <div className="space-y-5 lg:col-span-2">
          <Card>
            <CardHeader
              title="Hardware"
              description={info.cpuOnly ? "CPU-only node" : "As detected by the seller's agent"}
            />
            <CardBody>
              <DescriptionList
                items={[
                  ["GPU model", n.gpuModel],
                  ["GPUs", gpuCountLabel(n)],
                  ["VRAM per GPU", vramLabel(n)],
                  [
                    "Measured TFLOPS",
                    info.benchmark?.tflops != null
                      ? `${formatTflops(n.tflops)} ${info.benchmark.dtype ?? ""}`
                      : (info.benchmark?.skippedReason ?? "not measured"),
                  ],
                  ["Driver", info.driverVersion ?? "—"],
                  ["CUDA", info.cudaVersion ?? "—"],
                  ["Compute capability", info.computeCapability ?? "—"],
                  ["Job types", (info.jobTypes ?? JOB_TYPES).map((t) => JOB_TYPE_LABELS[t]).join(", ")],
                ]}
              />
            </CardBody>
          </Card>
          <Card>
            <CardHeader
              title="Images"
              description="Container images jobs on this node may run in, pinned by digest; you pick one when you submit a job."
            />
            <CardBody>
              {n.images.length > 0 ? (
                <ul className="space-y-1.5" data-testid="node-images">
                  {n.images.map((ref) => (
                    <li key={ref} className="font-mono text-xs break-all text-slate-700">
                      {ref}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-slate-500">
                  None: jobs run in this node&apos;s own sandboxed runtime (Python and shell from the machine).
                </p>
              )}
            </CardBody>
          </Card>
          {info.devices && info.devices.length > 0 && (
            <Card>
              <CardHeader title="Devices" />
              <Table>
                <THead>
                  <tr>
                    <TH>#</TH>
                    <TH>Name</TH>
                    <TH align="right">Memory</TH>
                    <TH>Bus</TH>
                  </tr>
                </THead>
                <TBody>
                  {info.devices.map((d) => (
                    <TR key={d.index}>
                      <TD>{d.index}</TD>
                      <TD>{d.name}</TD>
                      <TD align="right">{formatVram(d.memoryTotalMiB)}</TD>
                      <TD className="font-mono text-xs">{d.pciBusId ?? "—"}</TD>
                    </TR>
                  ))}
                </TBody>
              </Table>
            </Card>
          )}
        </div>
        <div className="space-y-5">
          <Card>
            <CardHeader title="Price" />
            <CardBody>
              <p className="text-3xl font-semibold tracking-tight text-slate-900">
                {isFree(n.pricePerHour) ? "Free" : <Usd value={n.pricePerHour} />}
                {!isFree(n.pricePerHour) && <span className="text-base font-normal text-slate-500"> / hour</span>}
              </p>
              <p className="mt-1 text-sm text-slate-500">
                {isFree(n.pricePerHour)
                  ? "Jobs on this node cost nothing."
                  : "You pay per second used: price × your job's maximum duration is held in escrow as a ceiling, and the rest comes back to you when the job ends."}
              </p>
              {rentable ? (
                <ButtonLink href={`/jobs/new?node=${n.id}`} className="mt-4 w-full">
                  Rent this node
                </ButtonLink>
              ) : (
                <p className="mt-4 rounded-lg bg-slate-50 p-3 text-sm text-slate-600">
                  {n.status === "suspended"
                    ? `Suspended by ComputeSwarm${n.suspendedReason ? `: ${n.suspendedReason}` : "."}`
                    : n.status === "paused"
                      ? "Paused by its seller: it takes no new jobs for now."
                      : "Offline: its agent has not checked in for a minute."}
                </p>
              )}
            </CardBody>
          </Card>
          <Card>
            <CardHeader title="Activity" />
            <CardBody>
              <DescriptionList
                columns={2}
                items={[
                  ["Utilisation", <UtilizationBar key="u" value={n.gpuUtilization} />],
                  [
                    "Last heartbeat",
                    <span key="h" title={formatDateTime(n.lastHeartbeatAt)}>
                      {timeAgo(n.lastHeartbeatAt)}
                    </span>,
                  ],
                  ["Jobs served", n.totalJobs.toLocaleString("en-US")],
                  [
                    "Reliability",
                    <span
                      key="r"
                      data-testid="node-reliability"
                      title={
                        n.reliability === null
                          ? "No finished jobs yet"
                          : "Share of finished jobs not lost to node errors"
                      }
                    >
                      {formatReliability(n.reliability)}
                    </span>,
                  ],
                  ["Compute hours", n.totalComputeHours],
                  [
                    "Seller",
                    <span key="s" className="font-mono text-xs">
                      {n.sellerAddress}
                    </span>,
                  ],
                  ["Listed since", formatDateTime(n.registeredAt)],
                ]}
              />
            </CardBody>
          </Card>
        </div>
      </div>
    </Page>
  );
}
