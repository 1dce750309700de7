"use client";

import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  cn,
  EmptyState,
  ErrorMessage,
  Input,
  LoadingBlock,
  PaymentStatusBadge,
  Select,
  Spinner,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  ShowMore,
  Usd,
} from "@/components/ui";
import { shortAddress, shortId, timeAgo, formatDateTime, formatUsd } from "@/lib/format";
import { useTRPC, type RouterInputs, type RouterOutputs } from "@/trpc/react";

type PaymentsInput = Exclude<RouterInputs["admin"]["payments"], void | undefined>;
type Status = NonNullable<PaymentsInput["status"]>;

const STATUS_FILTERS: { value: Status | ""; label: string }[] = [
  { value: "", label: "All statuses" },
  { value: "authorizing", label: "Being collected" },
  { value: "held", label: "Held in escrow" },
  { value: "settling", label: "Settling" },
  { value: "captured", label: "Captured" },
  { value: "voided", label: "Voided (returned)" },
  { value: "reclaimable", label: "Reclaimable by buyer" },
  { value: "reclaimed", label: "Reclaimed" },
  { value: "failed", label: "Settlement failed" },
];

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A yyyy-mm-dd from a date input → the start of that day (UTC), ISO. */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00Z`) : undefined);
const dayAfter = (d: string) => (d ? new Date(new Date(`${d}T00:00:00Z`).getTime() + 86_400_000) : undefined);

type Payment = RouterOutputs["admin"]["payments"]["items"][number];

function TxLink({ payment: p }: { payment: Payment }) {
  if (!p.txHash) return <>—</>;
  return p.explorerUrl ? (
    <a href={p.explorerUrl} target="_blank" rel="noreferrer" className="text-indigo-600 hover:underline">
      {shortAddress(p.txHash)}
    </a>
  ) : (
    <span title={p.txHash}>{shortAddress(p.txHash)}</span>
  );
}

function PaymentState({ payment: p }: { payment: Payment }) {
  return (
    <div>
      <PaymentStatusBadge status={p.status} />
      {p.lastError && (
        <div className="mt-1 max-w-56 truncate text-xs text-rose-600" title={p.lastError}>
          {p.lastError}
        </div>
      )}
      {(p.status === "held" || p.status === "settling") && p.settlementAttempts > 0 && (
        <div className="mt-1 text-xs text-slate-500">
          {p.settlementAttempts} attempts · next {timeAgo(p.nextAttemptAt)}
        </div>
      )}
    </div>
  );
}

/** What the buyer was charged: the capture, nothing when voided, else the hold (at most). */
function LedgerAmount({ payment: p }: { payment: Payment }) {
  if (p.status === "voided" || p.status === "reclaimed")
    return (
      <span className="tabular-nums" data-testid="payment-amount">
        <Usd value="0" />
        <span className="block text-xs font-normal text-slate-500">
          <Usd value={p.amountUsdc} /> hold returned
        </span>
      </span>
    );
  if (p.status === "captured" && p.capturedUsdc !== null)
    return (
      <span className="tabular-nums" data-testid="payment-amount">
        <Usd value={p.capturedUsdc} />
        {p.scheme === "auth-capture" && (
          <span className="block text-xs font-normal text-slate-500">
            of <Usd value={p.amountUsdc} /> held
          </span>
        )}
      </span>
    );
  return (
    <span className="tabular-nums" data-testid="payment-amount">
      <Usd value={p.amountUsdc} />
      <span className="block text-xs font-normal text-slate-500">held, at most</span>
    </span>
  );
}

type Retry = { isPending: boolean; variables?: { paymentId: string }; mutate(v: { paymentId: string }): void };

/** Failed settlements, and pending ones backing off after an error, can be sent again now. */
function RetryButton({ payment: p, retry }: { payment: Payment; retry: Retry }) {
  if (p.scheme !== "auth-capture") return null;
  if (!(p.status === "failed" || ((p.status === "held" || p.status === "settling") && p.settlementAttempts > 0)))
    return null;
  return (
    <Button
      size="sm"
      variant="secondary"
      loading={retry.isPending && retry.variables?.paymentId === p.id}
      onClick={() => retry.mutate({ paymentId: p.id })}
    >
      Retry settlement
    </Button>
  );
}

/** Every x402 payment and its settlement (`admin.payments`), with filters; failed settlements can be retried. */
export function PaymentsLedger() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status | "">("");
  const [address, setAddress] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const addressOk = !address.trim() || ADDRESS.test(address.trim());

  const input: PaymentsInput = {
    limit: 20,
    ...(status ? { status } : {}),
    ...(address.trim() && addressOk ? { address: address.trim() } : {}),
    ...(from ? { from: dayStart(from) } : {}),
    ...(to ? { to: dayAfter(to) } : {}),
  };
  const payments = useInfiniteQuery(
    trpc.admin.payments.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
      refetchInterval: 30_000,
    }),
  );
  const retry = useMutation(
    trpc.admin.retrySettlement.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.admin.payments.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.admin.audit.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.admin.stats.pathKey() }),
        ]),
    }),
  );
  const items = payments.data?.pages.flatMap((p) => p.items) ?? [];
  const totals = payments.data?.pages[0]?.totals;
  const failed = totals?.byStatus.failed?.count ?? 0;
  const filtered = Boolean(status || address || from || to);

  return (
    <section id="payments" className="scroll-mt-20">
      <Card>
        <CardHeader
          title="Payments"
          description={
            totals
              ? `${totals.count.toLocaleString("en-US")} payment${totals.count === 1 ? "" : "s"} · ${formatUsd(totals.amountUsdc)} USDC`
              : "Every x402 payment and its settlement"
          }
          actions={
            <>
              {payments.isFetching && !payments.isPending && <Spinner className="text-slate-400" />}
              {status !== "failed" && failed > 0 && (
                <Button size="sm" variant="secondary" onClick={() => setStatus("failed")}>
                  <span className="size-2 rounded-full bg-rose-500" /> {failed} failed
                </Button>
              )}
            </>
          }
        />
        {totals && (
          <dl
            className="grid grid-cols-2 gap-3 border-b border-slate-100 px-4 py-3 text-sm sm:grid-cols-5 sm:px-5"
            data-testid="ledger-totals"
          >
            {(
              [
                ["Held", totals.byStatus.held?.amountUsdc, totals.byStatus.held?.count],
                ["Captured", totals.capturedUsdc, totals.byStatus.captured?.count],
                ["Returned to buyers", totals.returnedUsdc, totals.byStatus.voided?.count],
                ["Reclaimable", totals.byStatus.reclaimable?.amountUsdc, totals.byStatus.reclaimable?.count],
                ["Failed", totals.byStatus.failed?.amountUsdc, totals.byStatus.failed?.count],
              ] as const
            ).map(([label, usd, count]) => (
              <div key={label}>
                <dt className="text-xs text-slate-500">{label}</dt>
                <dd className="font-medium text-slate-900 tabular-nums">
                  <Usd value={usd ?? "0"} /> <span className="text-xs font-normal text-slate-400">· {count ?? 0}</span>
                </dd>
              </div>
            ))}
          </dl>
        )}
        <div className="grid grid-cols-2 gap-2 border-b border-slate-100 px-4 py-3 sm:px-5 lg:grid-cols-[10rem_1fr_9.5rem_9.5rem_auto]">
          <Select
            aria-label="Payment status"
            className="col-span-2 lg:col-span-1"
            value={status}
            onChange={(e) => setStatus(e.target.value as Status | "")}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </Select>
          <Input
            aria-label="Payer or payee address"
            placeholder="Payer or payee 0x…"
            className={cn("col-span-2 font-mono text-xs lg:col-span-1", !addressOk && "ring-rose-400")}
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            aria-invalid={!addressOk}
            title={addressOk ? undefined : "A full 0x address (42 characters)"}
          />
          <Input
            type="date"
            aria-label="Created from"
            value={from}
            max={to || undefined}
            onChange={(e) => setFrom(e.target.value)}
          />
          <Input
            type="date"
            aria-label="Created to"
            value={to}
            min={from || undefined}
            onChange={(e) => setTo(e.target.value)}
          />
          {filtered && (
            <Button
              variant="ghost"
              className="col-span-2 lg:col-span-1"
              onClick={() => {
                setStatus("");
                setAddress("");
                setFrom("");
                setTo("");
              }}
            >
              Clear
            </Button>
          )}
        </div>
        {retry.error && <ErrorMessage className="m-4" error={retry.error} title="Retry refused" />}
        {payments.isPending ? (
          <LoadingBlock label="Loading payments…" />
        ) : payments.isError && items.length === 0 ? (
          <div className="p-5">
            <ErrorMessage error={payments.error} onRetry={() => void payments.refetch()} />
          </div>
        ) : items.length === 0 ? (
          <EmptyState
            title="No payments"
            description={filtered ? "None match these filters." : "Paid jobs appear here."}
          />
        ) : (
          <>
            <Table className="hidden md:block">
              <THead>
                <tr>
                  <TH>Job</TH>
                  <TH>Payer → payee</TH>
                  <TH align="right">Amount</TH>
                  <TH>Status</TH>
                  <TH>Transaction</TH>
                  <TH>
                    <span className="sr-only">Actions</span>
                  </TH>
                </tr>
              </THead>
              <TBody>
                {items.map((p) => (
                  <TR key={p.id} data-testid="payment-row">
                    <TD>
                      <Link href={`/jobs/${p.jobId}`} className="font-mono text-xs hover:text-indigo-600">
                        {shortId(p.jobId)}
                      </Link>
                      <div className="text-xs text-slate-500" title={formatDateTime(p.createdAt)}>
                        {timeAgo(p.createdAt)}
                      </div>
                    </TD>
                    <TD className="font-mono text-xs">
                      <span title={p.fromAddress}>{shortAddress(p.fromAddress)}</span> →{" "}
                      <span title={p.toAddress}>{shortAddress(p.toAddress)}</span>
                    </TD>
                    <TD align="right">
                      <LedgerAmount payment={p} />
                    </TD>
                    <TD>
                      <PaymentState payment={p} />
                    </TD>
                    <TD className="font-mono text-xs">
                      <TxLink payment={p} />
                    </TD>
                    <TD align="right">
                      <RetryButton payment={p} retry={retry} />
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
            <ul className="divide-y divide-slate-100 md:hidden">
              {items.map((p) => (
                <li key={p.id} className="space-y-2 px-4 py-3 text-sm" data-testid="payment-item">
                  <div className="flex items-start justify-between gap-3">
                    <div>
                      <Link href={`/jobs/${p.jobId}`} className="font-mono text-xs hover:text-indigo-600">
                        Job {shortId(p.jobId)}
                      </Link>
                      <span className="ml-2 text-xs text-slate-500">{timeAgo(p.createdAt)}</span>
                    </div>
                    <span className="text-right font-medium text-slate-900">
                      <LedgerAmount payment={p} />
                    </span>
                  </div>
                  <PaymentState payment={p} />
                  <p className="font-mono text-xs text-slate-500">
                    {shortAddress(p.fromAddress)} → {shortAddress(p.toAddress)} · tx <TxLink payment={p} />
                  </p>
                  <RetryButton payment={p} retry={retry} />
                </li>
              ))}
            </ul>
            <ShowMore query={payments} label="Show more payments" />
          </>
        )}
      </Card>
    </section>
  );
}
