"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  EmptyState,
  ErrorMessage,
  LoadingBlock,
  ShieldIcon,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  type Tone,
} from "@/components/ui";
import { formatDateTime, shortAddress, shortId, timeAgo } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/trpc/react";

type Entry = RouterOutputs["admin"]["audit"][number];

const ACTIONS: Record<string, { label: string; tone: Tone }> = {
  suspend_node: { label: "Suspended node", tone: "red" },
  unsuspend_node: { label: "Unsuspended node", tone: "green" },
  retry_settlement: { label: "Retried settlement", tone: "amber" },
};

const actionOf = (action: string) => ACTIONS[action] ?? { label: action.replace(/_/g, " "), tone: "slate" as Tone };

function Target({ entry }: { entry: Entry }) {
  const id = <span className="font-mono">{shortId(entry.targetId)}</span>;
  if (entry.targetType === "node") {
    return (
      <Link href={`/nodes/${entry.targetId}`} className="hover:text-indigo-600" title={entry.targetId}>
        Node {id}
      </Link>
    );
  }
  return (
    <span title={entry.targetId}>
      {entry.targetType[0]?.toUpperCase()}
      {entry.targetType.slice(1)} {id}
    </span>
  );
}

function Details({ details }: { details: Entry["details"] }) {
  if (!details) return <span className="text-slate-400">—</span>;
  const entries = Object.entries(details);
  return (
    <span className="block max-w-xs text-xs whitespace-normal text-slate-600">
      {entries.map(([k, v]) => (
        <span key={k} className="mr-2">
          <span className="text-slate-400">{k}:</span> {typeof v === "string" ? v : JSON.stringify(v)}
        </span>
      ))}
    </span>
  );
}

/** What admins did, newest first (`admin.audit`). */
export function AuditLog() {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(20);
  const audit = useQuery(
    trpc.admin.audit.queryOptions({ limit, offset: 0 }, { placeholderData: keepPreviousData, refetchInterval: 30_000 }),
  );
  return (
    <section id="audit" className="scroll-mt-20">
      <Card>
        <CardHeader title="Audit log" description="Every admin action: who, what, when and why" />
        {audit.isPending ? (
          <LoadingBlock label="Loading the audit log…" />
        ) : audit.isError ? (
          <div className="p-5">
            <ErrorMessage error={audit.error} onRetry={() => void audit.refetch()} />
          </div>
        ) : audit.data.length === 0 ? (
          <EmptyState
            icon={<ShieldIcon className="size-6" />}
            title="No admin actions yet"
            description="Suspensions and settlement retries are recorded here."
          />
        ) : (
          <>
            <Table className="hidden md:block">
              <THead>
                <tr>
                  <TH>When</TH>
                  <TH>Action</TH>
                  <TH>Target</TH>
                  <TH>Details</TH>
                  <TH>Admin</TH>
                </tr>
              </THead>
              <TBody>
                {audit.data.map((e) => {
                  const action = actionOf(e.action);
                  return (
                    <TR key={e.id} data-testid="audit-row" data-action={e.action} data-target-id={e.targetId}>
                      <TD className="text-xs text-slate-500">
                        <span title={formatDateTime(e.createdAt)}>{timeAgo(e.createdAt)}</span>
                      </TD>
                      <TD>
                        <Badge tone={action.tone}>{action.label}</Badge>
                      </TD>
                      <TD className="text-xs">
                        <Target entry={e} />
                      </TD>
                      <TD>
                        <Details details={e.details} />
                      </TD>
                      <TD className="font-mono text-xs">
                        <span title={e.adminAddress}>{shortAddress(e.adminAddress)}</span>
                      </TD>
                    </TR>
                  );
                })}
              </TBody>
            </Table>
            <ul className="divide-y divide-slate-100 md:hidden">
              {audit.data.map((e) => {
                const action = actionOf(e.action);
                return (
                  <li
                    key={e.id}
                    className="space-y-1.5 px-4 py-3 text-sm"
                    data-testid="audit-item"
                    data-action={e.action}
                    data-target-id={e.targetId}
                  >
                    <div className="flex items-center justify-between gap-3">
                      <Badge tone={action.tone}>{action.label}</Badge>
                      <span className="text-xs text-slate-500" title={formatDateTime(e.createdAt)}>
                        {timeAgo(e.createdAt)}
                      </span>
                    </div>
                    <div className="text-xs text-slate-700">
                      <Target entry={e} /> · by <span className="font-mono">{shortAddress(e.adminAddress)}</span>
                    </div>
                    {e.details && <Details details={e.details} />}
                  </li>
                );
              })}
            </ul>
            {audit.data.length >= limit && limit < 200 && (
              <div className="flex justify-center border-t border-slate-100 p-3">
                <Button
                  variant="secondary"
                  size="sm"
                  loading={audit.isFetching}
                  onClick={() => setLimit((l) => Math.min(200, l + 20))}
                >
                  Show more
                </Button>
              </div>
            )}
          </>
        )}
      </Card>
    </section>
  );
}
