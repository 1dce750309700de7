"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import {
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  DescriptionList,
  ErrorMessage,
  ExternalIcon,
  JobStatusBadge,
  LoadingBlock,
  LockIcon,
  PaymentStatusBadge,
  Spinner,
  NotFoundOrError,
  Dialog,
  Usd,
} from "@/components/ui";
import { Page } from "@/components/shell/page";
import { SignInPrompt } from "@/components/wallet/connect-button";
import { useSession } from "@/components/wallet/session";
import { chainName, explorerTxUrl } from "@/lib/chains";
import { errorData } from "@/lib/errors";
import { formatDateTime, formatDuration, formatMs, shortAddress, shortId, formatUsd } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/trpc/react";
import { jobCost } from "@/lib/job-cost";
import { JobTimeline } from "./job-timeline";

type Job = RouterOutputs["jobs"]["get"];
interface LogChunk {
  key: string;
  stream: "stdout" | "stderr";
  data: string;
}

const TERMINAL = ["completed", "failed", "timed_out", "cancelled"];
const FINAL_PAYMENT = ["captured", "voided", "failed", "reclaimable", "reclaimed"];

/** Nothing more will happen to this job: stop listening. */
function isSettled(job: Job): boolean {
  return TERMINAL.includes(job.status) && (!job.payment || FINAL_PAYMENT.includes(job.payment.status));
}

function LogView({ chunks, live }: { chunks: LogChunk[]; live: boolean }) {
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [chunks]);
  return (
    <pre
      ref={box}
      data-testid="job-logs"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
      className="max-h-96 min-h-32 overflow-auto rounded-lg bg-slate-950 p-4 font-mono text-[13px] leading-5 break-words whitespace-pre-wrap text-slate-100"
    >
      {chunks.length === 0 ? (
        <span className="text-slate-500">{live ? "Waiting for output…" : "No output was logged."}</span>
      ) : (
        chunks.map((c) => (
          <span key={c.key} className={c.stream === "stderr" ? "text-rose-300" : undefined}>
            {c.data}
          </span>
        ))
      )}
      {live && chunks.length > 0 && (
        <span className="inline-block h-4 w-2 translate-y-0.5 animate-pulse bg-slate-400" />
      )}
    </pre>
  );
}

export function JobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { session, loading } = useSession();
  const jobKey = trpc.jobs.get.queryKey({ id });
  const job = useQuery({ ...trpc.jobs.get.queryOptions({ id }), enabled: Boolean(session) });
  const logs = useQuery({ ...trpc.jobs.logs.queryOptions({ id }), enabled: Boolean(session) });
  const [streamed, setStreamed] = useState<LogChunk[]>([]);
  const [heard, setHeard] = useState(false);

  const live = Boolean(session && job.data && !isSettled(job.data));
  const sub = useSubscription(
    trpc.jobs.onUpdate.subscriptionOptions(
      { id },
      {
        enabled: live,
        onData: (event) => {
          setHeard(true);
          if (event.type === "job") {
            const prev = queryClient.getQueryData<Job>(jobKey);
            queryClient.setQueryData(jobKey, event.job);
            // A status change: pick up any log lines sent while we were connecting.
            if (prev && prev.status !== event.job.status) void logs.refetch();
          } else {
            const { seq, stream, data } = event.log;
            setStreamed((s) => [...s, { key: `${stream}:${seq}`, stream, data }]);
          }
        },
      },
    ),
  );

  const chunks = useMemo(() => {
    const seen = new Set<string>();
    const out: LogChunk[] = [];
    for (const l of logs.data ?? []) {
      const key = `${l.stream}:${l.seq}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ key, stream: l.stream, data: l.data });
      }
    }
    for (const c of streamed) {
      if (!seen.has(c.key)) {
        seen.add(c.key);
        out.push(c);
      }
    }
    return out;
  }, [logs.data, streamed]);

  const [confirmCancel, setConfirmCancel] = useState(false);
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: (j) => queryClient.setQueryData(jobKey, j),
    }),
  );

  const back = { href: "/jobs", label: "My jobs" };
  if (loading)
    return (
      <Page back={back}>
        <LoadingBlock />
      </Page>
    );
  if (!session) {
    return (
      <Page back={back} title={`Job ${shortId(id)}`}>
        <Card>
          <SignInPrompt
            title="Sign in to see this job"
            description="Only the wallet that ran a job (and the node's seller) can see it."
          />
        </Card>
      </Page>
    );
  }
  if (job.isPending)
    return (
      <Page back={back}>
        <LoadingBlock label="Loading job…" />
      </Page>
    );
  if (job.isError) {
    const code = errorData(job.error)?.code;
    return (
      <Page back={back} title={`Job ${shortId(id)}`}>
        <NotFoundOrError
          notFound={code === "NOT_FOUND" || code === "BAD_REQUEST"}
          notFoundTitle="No such job"
          notFoundDescription="This job does not exist, or it belongs to another wallet."
          action={<ButtonLink href="/jobs">My jobs</ButtonLink>}
          error={job.error}
          errorTitle="Could not load this job"
          onRetry={() => void job.refetch()}
        />
      </Page>
    );
  }

  const j = job.data;
  const p = j.payment;
  const cost = jobCost(j);
  const terminal = TERMINAL.includes(j.status);

  return (
    <Page
      back={back}
      title={
        <span className="flex flex-wrap items-center gap-3">
          Job <span className="font-mono">{shortId(j.id)}</span>
          <JobStatusBadge status={j.status} />
        </span>
      }
      description={
        <>
          {j.jobType === "python" ? "Python" : "Shell"} job on{" "}
          <Link
            className="break-words text-indigo-600 hover:underline"
            href={`/nodes/${j.nodeId}`}
            data-testid="job-node"
          >
            {j.nodeName ?? `node ${shortId(j.nodeId)}`}
          </Link>{" "}
          · submitted {formatDateTime(j.createdAt)}
        </>
      }
      actions={
        j.status === "queued" && j.buyerAddress.toLowerCase() === session.address.toLowerCase() ? (
          <Button variant="secondary" onClick={() => setConfirmCancel(true)} loading={cancel.isPending}>
            Cancel job
          </Button>
        ) : undefined
      }
    >
      <Dialog
        open={confirmCancel}
        onClose={() => setConfirmCancel(false)}
        title="Cancel this job?"
        description={
          p
            ? "It has not started, so it is never billed: the whole escrow hold goes back to your wallet."
            : "It has not started; it will not run."
        }
      >
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <Button variant="secondary" onClick={() => setConfirmCancel(false)}>
            Keep the job
          </Button>
          <Button
            variant="danger"
            loading={cancel.isPending}
            onClick={() => cancel.mutate({ id: j.id }, { onSettled: () => setConfirmCancel(false) })}
          >
            Yes, cancel it
          </Button>
        </div>
      </Dialog>
      <div className="space-y-5">
        {cancel.error && <ErrorMessage error={cancel.error} title="Could not cancel" />}
        <Card>
          <CardBody>
            <JobTimeline job={j} />
            <p className="mt-4 flex items-center gap-2 text-xs text-slate-400" aria-live="polite">
              {live ? (
                sub.status === "pending" ? (
                  <>
                    <span className="size-1.5 rounded-full bg-emerald-500" /> Live
                    {heard ? null : " · waiting for updates"}
                  </>
                ) : sub.status === "connecting" ? (
                  <>
                    <Spinner className="size-3" /> Connecting to live updates…
                  </>
                ) : sub.status === "error" ? (
                  <>Live updates interrupted; retrying…</>
                ) : null
              ) : (
                "Final"
              )}
            </p>
          </CardBody>
        </Card>

        <div className="grid gap-5 lg:grid-cols-3">
          <div className="space-y-5 lg:col-span-2">
            <Card>
              <CardHeader
                title="Logs"
                description={live && j.status !== "queued" ? "Streaming as the job runs" : undefined}
              />
              <CardBody>
                {logs.isError ? (
                  <ErrorMessage error={logs.error} />
                ) : (
                  <LogView chunks={chunks} live={j.status === "running" || j.status === "queued"} />
                )}
                {j.logGaps ? (
                  <p data-testid="job-log-gaps" className="mt-2 text-sm text-amber-700">
                    {j.logGaps === 1 ? "1 chunk" : `${j.logGaps} chunks`} of this log never reached the marketplace
                    (lost on the way from the node); the log above has holes.
                  </p>
                ) : null}
              </CardBody>
            </Card>
            <Card>
              <CardHeader
                title="Output"
                description={j.outputTruncated ? "The output was longer than the limit and was cut." : undefined}
              />
              <CardBody>
                {j.outputReleased && j.output !== null ? (
                  j.output === "" ? (
                    <p className="text-sm text-slate-500">The job printed nothing.</p>
                  ) : (
                    <pre
                      data-testid="job-output"
                      className="max-h-[32rem] overflow-auto rounded-lg bg-slate-50 p-4 font-mono text-[13px] leading-5 break-words whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200"
                    >
                      {j.output}
                    </pre>
                  )
                ) : (
                  <div className="flex items-center gap-3 rounded-lg bg-slate-50 p-4 text-sm text-slate-600">
                    <LockIcon className="size-5 shrink-0 text-slate-400" />
                    {!terminal
                      ? "The output appears here when the job ends."
                      : p && (p.status === "authorizing" || p.status === "failed")
                        ? "The payment was never collected, so there is no output to release."
                        : "No output."}
                  </div>
                )}
                {j.outputReleased && j.outputBase64 && (
                  <p className="mt-3 text-sm text-slate-600" data-testid="job-output-raw">
                    The output holds bytes that are not text (NUL shown as ␀, invalid UTF-8 as �).{" "}
                    <a
                      className="font-medium text-indigo-700 underline"
                      href={`data:application/octet-stream;base64,${j.outputBase64}`}
                      download={`job-${j.id}-output.bin`}
                    >
                      Download the exact bytes
                    </a>
                  </p>
                )}
                {j.error && (
                  <p className="mt-3 text-sm text-rose-700">
                    <span className="font-medium">Error:</span> {j.error}
                  </p>
                )}
              </CardBody>
            </Card>
            <Card>
              <details>
                <summary className="cursor-pointer px-5 py-3 text-sm font-medium text-slate-700">Script</summary>
                <pre className="mx-5 mb-5 max-h-96 overflow-auto rounded-lg bg-slate-950 p-4 font-mono text-[13px] leading-5 text-slate-100">
                  {j.script}
                </pre>
              </details>
            </Card>
          </div>
          <div className="space-y-5">
            <Card>
              <CardHeader title="Cost" />
              <CardBody>
                <p
                  className="text-3xl font-semibold tracking-tight text-slate-900 tabular-nums"
                  data-testid="job-detail-cost"
                >
                  {cost.kind === "free" ? "Free" : <Usd value={cost.usd} />}
                </p>
                <p className="mt-1 text-sm text-slate-500" data-testid="job-detail-cost-note">
                  {!p
                    ? `Max duration ${formatDuration(j.maxDurationSeconds)}`
                    : p.scheme === "exact"
                      ? `USDC, paid at submission for up to ${formatDuration(j.maxDurationSeconds)} (no refund)`
                      : p.status === "captured"
                        ? `USDC for ${p.billedSeconds ?? "?"} s used; the rest of the ${formatUsd(p.amountUsdc)} hold came back`
                        : cost.kind === "none"
                          ? p.status === "voided" || p.status === "reclaimed"
                            ? "No cost charged: the whole hold came back"
                            : "No cost charged: the whole hold is being returned"
                          : `At most: USDC held in escrow for up to ${formatDuration(j.maxDurationSeconds)}; you pay per second used and the rest comes back`}
                </p>
                <DescriptionList
                  className="mt-4"
                  items={[
                    ["Ran for", formatMs(j.durationMs)],
                    ["Exit code", j.exitCode ?? "—"],
                    [
                      "Buyer",
                      <span key="b" className="font-mono text-xs">
                        {shortAddress(j.buyerAddress)}
                      </span>,
                    ],
                  ]}
                />
              </CardBody>
            </Card>
            <Card>
              <CardHeader title="Payment" actions={p ? <PaymentStatusBadge status={p.status} /> : undefined} />
              <CardBody>
                {p ? (
                  <DescriptionList
                    columns={1}
                    items={[
                      [p.scheme === "exact" ? "Paid" : "Held in escrow", `${formatUsd(p.amountUsdc)} USDC`],
                      ...(p.scheme === "auth-capture"
                        ? ([
                            [
                              "Captured",
                              cost.kind === "none"
                                ? "Nothing: you were not charged"
                                : p.capturedUsdc === null
                                  ? "Not yet: when the job ends"
                                  : `${formatUsd(p.capturedUsdc)} USDC for ${p.billedSeconds ?? 0} s${p.feeUsdc && p.feeUsdc !== "0" ? ` (fee ${formatUsd(p.feeUsdc)})` : ""}`,
                            ],
                            ["Returned to you", p.returnedUsdc === null ? "—" : `${formatUsd(p.returnedUsdc)} USDC`],
                          ] as [string, React.ReactNode][])
                        : []),
                      ["Network", chainName(p.network)],
                      ...(p.authorizeTxHash
                        ? ([["Escrow hold", <TxLink key="a" network={p.network} hash={p.authorizeTxHash} />]] as [
                            string,
                            React.ReactNode,
                          ][])
                        : []),
                      [
                        p.scheme === "exact" ? "Payment transaction" : "Capture transaction",
                        p.txHash ? (
                          <TxLink key="tx" network={p.network} hash={p.txHash} testId="settlement-tx" />
                        ) : p.status === "voided" ? (
                          "None: you were not charged"
                        ) : (
                          "Not yet: it settles after the job ends"
                        ),
                      ],
                      ...(p.voidTxHash
                        ? ([["Return transaction", <TxLink key="v" network={p.network} hash={p.voidTxHash} />]] as [
                            string,
                            React.ReactNode,
                          ][])
                        : []),
                      ["Settled at", formatDateTime(p.confirmedAt)],
                    ]}
                  />
                ) : (
                  <p className="text-sm text-slate-500">This node is free: no payment was needed.</p>
                )}
              </CardBody>
            </Card>
          </div>
        </div>
      </div>
    </Page>
  );
}

/** A transaction: an explorer link on real networks, the full hash on the local chain. */
function TxLink({ network, hash, testId }: { network: string; hash: string; testId?: string }) {
  const url = explorerTxUrl(network, hash);
  return url ? (
    <a
      href={url}
      target="_blank"
      rel="noreferrer"
      className="inline-flex items-center gap-1 font-mono text-xs text-indigo-600 hover:underline"
      data-testid={testId}
    >
      {shortAddress(hash)} <ExternalIcon className="size-3.5" />
    </a>
  ) : (
    <span className="font-mono text-xs break-all" title="Local chain: no block explorer" data-testid={testId}>
      {hash}
    </span>
  );
}
