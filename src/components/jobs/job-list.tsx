"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import {
  ButtonLink,
  Card,
  cn,
  EmptyState,
  ErrorMessage,
  JobStatusBadge,
  LoadingBlock,
  PaymentStatusBadge,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  ShowMore,
  Usd,
} from "@/components/ui";
import { SignInPrompt } from "@/components/wallet/connect-button";
import { useSession } from "@/components/wallet/session";
import { formatMs, shortId, timeAgo } from "@/lib/format";
import { jobCost } from "@/lib/job-cost";
import { useTRPC, type RouterOutputs } from "@/trpc/react";

type Job = RouterOutputs["jobs"]["get"];
const TABS = [
  { value: "", label: "All" },
  { value: "queued", label: "Queued" },
  { value: "running", label: "Running" },
  { value: "completed", label: "Completed" },
  { value: "failed", label: "Failed" },
] as const;
const ACTIVE = ["queued", "running"];

/** What the job costs the buyer (src/lib/job-cost.ts): charged, at most (held), nothing, or free. */
function CostCell({ job }: { job: Job }) {
  const cost = jobCost(job);
  if (cost.kind === "free") return <span className="text-slate-500">Free</span>;
  if (cost.kind === "none")
    return (
      <span
        className="text-slate-500"
        title="Not charged: the escrow hold goes back to you"
        data-testid="job-cost-none"
      >
        <Usd value="0" /> · not charged
      </span>
    );
  return (
    <span title={cost.kind === "held" ? "Held in escrow; you pay per second used" : undefined}>
      {cost.kind === "held" && <span className="text-xs text-slate-400">at most </span>}
      <Usd value={cost.usd} />
    </span>
  );
}

function NodeCell({ job }: { job: Job }) {
  return (
    <Link
      href={`/nodes/${job.nodeId}`}
      className="block max-w-48 truncate text-slate-700 hover:text-indigo-600"
      title={job.nodeName ?? job.nodeId}
      onClick={(e) => e.stopPropagation()}
      data-testid="job-node"
    >
      {job.nodeName ?? shortId(job.nodeId)}
    </Link>
  );
}

export function JobList() {
  const trpc = useTRPC();
  const { session, loading } = useSession();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const status = TABS.some((t) => t.value === params.get("status")) ? (params.get("status") ?? "") : "";

  const query = useInfiniteQuery({
    ...trpc.jobs.list.infiniteQueryOptions(
      { role: "buyer", limit: 20, ...(status ? { status: status as Job["status"] } : {}) },
      {
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        placeholderData: keepPreviousData,
        refetchInterval: (q) =>
          q.state.data?.pages.some((p) => p.items.some((j) => ACTIVE.includes(j.status))) ? 5_000 : false,
      },
    ),
    enabled: Boolean(session),
  });

  if (loading) return <LoadingBlock />;
  if (!session) {
    return (
      <Card>
        <SignInPrompt title="Sign in to see your jobs" />
      </Card>
    );
  }

  const jobs = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card>
      <div
        className="flex gap-1 overflow-x-auto border-b border-slate-100 px-3 py-2"
        role="tablist"
        aria-label="Filter by status"
      >
        {TABS.map((t) => (
          <button
            key={t.value}
            role="tab"
            aria-selected={status === t.value}
            onClick={() => router.replace(t.value ? `${pathname}?status=${t.value}` : pathname, { scroll: false })}
            className={cn(
              "rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap",
              status === t.value ? "bg-slate-100 text-slate-900" : "text-slate-500 hover:text-slate-900",
            )}
          >
            {t.label}
          </button>
        ))}
      </div>
      {query.isPending ? (
        <LoadingBlock label="Loading your jobs…" />
      ) : query.isError && jobs.length === 0 ? (
        <div className="p-4">
          <ErrorMessage error={query.error} title="Could not load your jobs" onRetry={() => void query.refetch()} />
        </div>
      ) : jobs.length === 0 ? (
        <EmptyState
          title={status ? "No jobs with this status" : "No jobs yet"}
          description={status ? "Try another tab." : "Rent a node in the marketplace and run your first script."}
          action={!status && <ButtonLink href="/">Browse the marketplace</ButtonLink>}
        />
      ) : (
        <>
          <Table className="hidden md:block">
            <THead>
              <tr>
                <TH>Job</TH>
                <TH>Node</TH>
                <TH>Type</TH>
                <TH>Status</TH>
                <TH align="right">Ran for</TH>
                <TH align="right">Cost</TH>
                <TH>Payment</TH>
              </tr>
            </THead>
            <TBody>
              {jobs.map((j) => (
                <TR
                  key={j.id}
                  data-testid="job-row"
                  className="cursor-pointer"
                  onClick={() => router.push(`/jobs/${j.id}`)}
                >
                  <TD>
                    <Link
                      href={`/jobs/${j.id}`}
                      className="font-mono text-sm font-medium text-slate-900 hover:text-indigo-600"
                      onClick={(e) => e.stopPropagation()}
                    >
                      {shortId(j.id)}
                    </Link>
                    <div className="text-xs text-slate-500">{timeAgo(j.createdAt)}</div>
                  </TD>
                  <TD>
                    <NodeCell job={j} />
                  </TD>
                  <TD className="capitalize">{j.jobType}</TD>
                  <TD>
                    <JobStatusBadge status={j.status} />
                  </TD>
                  <TD align="right">{formatMs(j.durationMs)}</TD>
                  <TD align="right">
                    <CostCell job={j} />
                  </TD>
                  <TD>
                    {j.payment ? (
                      <PaymentStatusBadge status={j.payment.status} />
                    ) : (
                      <span className="text-xs text-slate-400">No payment</span>
                    )}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          <ul className="divide-y divide-slate-100 md:hidden">
            {jobs.map((j) => (
              <li key={j.id} data-testid="job-card">
                <Link href={`/jobs/${j.id}`} className="block px-4 py-3 hover:bg-slate-50">
                  <div className="flex items-center justify-between gap-3">
                    <span className="font-mono text-sm font-medium text-slate-900">{shortId(j.id)}</span>
                    <JobStatusBadge status={j.status} />
                  </div>
                  <div className="mt-1 flex items-center justify-between text-xs text-slate-500">
                    <span className="min-w-0 truncate">
                      <span className="capitalize">{j.jobType}</span> on {j.nodeName ?? shortId(j.nodeId)} ·{" "}
                      {timeAgo(j.createdAt)}
                    </span>
                    <CostCell job={j} />
                  </div>
                </Link>
              </li>
            ))}
          </ul>
          <ShowMore query={query} label="Show older jobs" />
        </>
      )}
    </Card>
  );
}
