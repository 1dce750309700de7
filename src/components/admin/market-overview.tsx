"use client";

import { useQuery } from "@tanstack/react-query";
import { CategoryBars, DailyUsdChart, NoChartData, type BarDatum } from "@/components/charts";
import {
  Card,
  CardBody,
  CardHeader,
  ErrorMessage,
  jobStatusLabel,
  LoadingBlock,
  Stat,
  StatGrid,
  Usd,
} from "@/components/ui";
import { fillDays } from "@/lib/format";
import { useTRPC } from "@/trpc/react";

const JOB_COLORS: Record<string, string> = {
  queued: "#0ea5e9",
  running: "#6366f1",
  completed: "#10b981",
  failed: "#f43f5e",
  timed_out: "#f97316",
  cancelled: "#94a3b8",
};
const JOB_ORDER = Object.keys(JOB_COLORS);

const FAILURE_LABELS: Record<string, string> = {
  job_error: "Script failed",
  timed_out: "Ran out of time",
  node_error: "Node lost the job",
  cancelled: "Cancelled",
};

function ChartCard({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children: React.ReactNode;
}) {
  return (
    <Card>
      <CardHeader title={title} description={description} />
      <CardBody>{children}</CardBody>
    </Card>
  );
}

/** Supply, demand, money and what goes wrong (`admin.stats`). */
export function MarketOverview() {
  const trpc = useTRPC();
  const stats = useQuery(trpc.admin.stats.queryOptions(undefined, { refetchInterval: 30_000 }));

  if (stats.isPending) return <LoadingBlock label="Loading market stats…" />;
  if (stats.isError) {
    return (
      <Card className="p-5" id="overview">
        <ErrorMessage error={stats.error} title="Could not load market stats" onRetry={() => void stats.refetch()} />
      </Card>
    );
  }
  const s = stats.data;
  const byModel: BarDatum[] = s.nodesOnlineByModel.map((m) => ({
    label: m.gpuModel,
    value: m.online,
    rest: Math.max(0, m.total - m.online),
  }));
  const byState: BarDatum[] = [...s.jobsByStatus]
    .sort((a, b) => JOB_ORDER.indexOf(a.status) - JOB_ORDER.indexOf(b.status))
    .map((j) => ({ label: jobStatusLabel(j.status), value: j.count, color: JOB_COLORS[j.status] ?? "#64748b" }));
  const failures: BarDatum[] = [...s.failureReasons]
    .sort((a, b) => b.count - a.count)
    .map((f) => ({ label: FAILURE_LABELS[f.reason] ?? f.reason.replace(/_/g, " "), value: f.count }));
  const daily = fillDays(s.settledByDay, 30).map((d) => ({ day: d.day, usd: Number(d.usd) }));
  const online = s.nodesOnlineByModel.reduce((n, m) => n + m.online, 0);
  const jobs = s.jobsByStatus.reduce((n, j) => n + j.count, 0);

  return (
    <section id="overview" className="scroll-mt-20 space-y-5" aria-label="Market overview">
      <StatGrid>
        <Stat
          label="Settled volume"
          value={<Usd value={s.settled.volumeUsd} />}
          hint={`${s.settled.payments.toLocaleString("en-US")} payment${s.settled.payments === 1 ? "" : "s"} settled`}
          data-testid="stat-volume"
        />
        <Stat
          label="Held in escrow"
          value={<Usd value={s.settled.pendingUsd} />}
          hint="Ceilings of jobs not settled yet"
        />
        <Stat
          label="Failed settlements"
          value={s.settled.failed.toLocaleString("en-US")}
          hint={s.settled.failed ? "Retry them in Payments" : "None"}
          tone={s.settled.failed ? "bad" : "default"}
        />
        <Stat
          label="Nodes online"
          value={online.toLocaleString("en-US")}
          hint={`${jobs.toLocaleString("en-US")} job${jobs === 1 ? "" : "s"} in all`}
        />
      </StatGrid>
      <div className="grid gap-5 lg:grid-cols-2">
        <ChartCard title="Nodes online by GPU model" description="Listed nodes whose agent checked in recently">
          {byModel.length ? (
            <CategoryBars data={byModel} valueLabel="Online" restLabel="Offline" color="#10b981" />
          ) : (
            <NoChartData>No nodes registered yet.</NoChartData>
          )}
        </ChartCard>
        <ChartCard title="Jobs by state" description="Every job ever submitted">
          {byState.length ? <CategoryBars data={byState} valueLabel="Jobs" /> : <NoChartData>No jobs yet.</NoChartData>}
        </ChartCard>
        <ChartCard title="Settled volume per day" description="USDC settled on chain, the last 30 days (UTC)">
          <DailyUsdChart data={daily} label="Settled" />
        </ChartCard>
        <ChartCard title="Failure reasons" description="Why jobs did not complete">
          {failures.length ? (
            <CategoryBars data={failures} valueLabel="Jobs" color="#f43f5e" />
          ) : (
            <NoChartData>No failed jobs.</NoChartData>
          )}
        </ChartCard>
      </div>
    </section>
  );
}
