"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge, Card, ErrorMessage, LoadingBlock } from "@/components/ui";
import { formatTime, timeAgo } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/trpc/react";

type Status = RouterOutputs["status"]["get"];

/** One line per part: its name, up or down, and what a person wants to know about it. */
function Row({ name, ok, detail, testId }: { name: string; ok: boolean; detail: React.ReactNode; testId: string }) {
  return (
    <li className="flex items-center justify-between gap-4 px-4 py-3 sm:px-5" data-testid={testId}>
      <div className="min-w-0">
        <p className="text-sm font-medium text-slate-900">{name}</p>
        <p className="text-sm text-slate-500">{detail}</p>
      </div>
      <Badge tone={ok ? "green" : "red"} dot className="shrink-0">
        {ok ? "Operational" : "Down"}
      </Badge>
    </li>
  );
}

const n = (v: number | null) => (v === null ? "—" : v.toLocaleString("en-US"));

function rows(s: Status) {
  const q = s.settlement;
  return [
    {
      name: "Database",
      testId: "status-database",
      ok: s.database.status === "ok",
      detail: `${s.database.kind === "embedded" ? "Embedded PostgreSQL (PGlite)" : "PostgreSQL"} · migrations ${s.database.migrations}`,
    },
    {
      name: "Redis",
      testId: "status-redis",
      ok: s.redis.status === "ok",
      detail: s.redis.kind === "embedded" ? "In-process stand-in" : "Redis server",
    },
    {
      name: "Chain",
      testId: "status-chain",
      ok: s.chain.status === "ok",
      detail:
        s.chain.status === "ok"
          ? `${s.chain.network}${s.chain.embedded ? ", started by this server" : ""} · block ${s.chain.block}`
          : `${s.chain.network}: not answering; payments wait until it is back`,
    },
    {
      name: "Agents",
      testId: "status-agents",
      ok: s.agents.status === "ok",
      detail: `${n(s.agents.online)} online of ${n(s.agents.registered)} registered nodes`,
    },
    {
      name: "Settlement queue",
      testId: "status-settlement",
      ok: q.status === "ok",
      detail: (
        <>
          {n(q.waiting)} waiting{q.oldestWaitingSince ? ` (oldest finished ${timeAgo(q.oldestWaitingSince)})` : ""} ·{" "}
          {n(q.settling)} settling ·{" "}
          <span className={q.failed ? "font-medium text-rose-700" : undefined}>{n(q.failed)} failed</span>
        </>
      ),
    },
  ];
}

/** The footer's "Status" link: the marketplace's parts for people (`/api/health` stays JSON for machines). */
export function StatusPage() {
  const trpc = useTRPC();
  const status = useQuery(trpc.status.get.queryOptions(undefined, { refetchInterval: 10_000 }));
  if (status.isPending) return <LoadingBlock label="Checking…" />;
  if (status.error) return <ErrorMessage error={status.error} title="The marketplace did not answer" />;
  const s = status.data;
  return (
    <div className="space-y-4">
      <div
        data-testid="status-overall"
        className={
          s.status === "ok"
            ? "rounded-xl bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800 ring-1 ring-emerald-200 ring-inset"
            : "rounded-xl bg-amber-50 px-4 py-3 text-sm font-medium text-amber-900 ring-1 ring-amber-200 ring-inset"
        }
      >
        {s.status === "ok" ? "All systems operational" : "Some parts are down"}
        <span className="ml-2 font-normal text-slate-500">checked {formatTime(s.checkedAt)}</span>
      </div>
      <Card>
        <ul className="divide-y divide-slate-100">
          {rows(s).map((r) => (
            <Row key={r.testId} {...r} />
          ))}
        </ul>
      </Card>
      <p className="text-xs text-slate-500">
        For monitoring:{" "}
        <a className="underline hover:text-slate-700" href="/api/health">
          /api/health
        </a>{" "}
        (JSON, 503 when a part is down) and <code>/api/metrics</code> (Prometheus).
      </p>
    </div>
  );
}
