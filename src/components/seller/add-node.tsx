"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CheckIcon,
  CopyButton,
  ErrorMessage,
  Field,
  Input,
  Notice,
  PlusIcon,
  Spinner,
} from "@/components/ui";
import { nodeTitle } from "@/components/marketplace/node-bits";
import { isFree } from "@/lib/money";
import { formatUsd } from "@/lib/format";
import { useTRPC, useTRPCClient, type RouterOutputs } from "@/trpc/react";
import { pairNodeFormSchema } from "@/lib/seller-fields";
import { useSellerSigner } from "./use-seller-signer";

type SellerNode = RouterOutputs["seller"]["dashboard"]["nodes"][number];
type PairNodeForm = z.infer<typeof pairNodeFormSchema>;
type Pairing = RouterOutputs["seller"]["createPairingCode"] & {
  price: string;
  knownNodeIds: Set<string>;
  receivedAt: number;
};

function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });

/** What each printed command does (the server decides which commands; see services/agent-download). */
function commandLabel(command: string): string {
  if (/ register /.test(command)) return "Register this machine with the code";
  if (/ start\b/.test(command)) return "Start taking jobs";
  return "Download the agent and check its sha256";
}

const msLeft = (iso: string, now: number) => new Date(iso).getTime() - now;
/** Whole minutes left, at least 1 while the code is valid. */
const minutesLeft = (iso: string, now: number) => Math.max(1, Math.round(msLeft(iso, now) / 60_000));

function Command({ step, text, label }: { step: number; text: string; label: string }) {
  return (
    <li className="space-y-1.5">
      <p className="text-xs font-medium text-slate-600">
        <span className="mr-1.5 inline-flex size-5 items-center justify-center rounded-full bg-indigo-50 text-[11px] font-semibold text-indigo-700">
          {step}
        </span>
        {label}
      </p>
      <div className="flex items-start gap-2 rounded-lg bg-slate-950 p-2 pl-3">
        <code
          data-testid="pairing-command"
          className="min-w-0 flex-1 py-1.5 font-mono text-[12.5px] leading-5 break-words whitespace-pre-wrap text-slate-100 select-all"
        >
          <span className="text-slate-500 select-none">$ </span>
          {text}
        </code>
        <CopyButton text={text} label={`Copy: ${label}`} />
      </div>
    </li>
  );
}

/**
 * Add a node: the seller sets the price (and optionally an endpoint), signs a
 * PairNode message, and gets a one-time code plus the two commands to run on
 * the GPU machine. The agent redeems the code with the GPUs it detects; the
 * seller's key never goes to that machine. The new node shows up in "Your
 * nodes" as soon as it checks in.
 */
export function AddNode({
  nodes,
  onWaitingChange,
}: {
  nodes: SellerNode[];
  onWaitingChange: (waiting: boolean) => void;
}) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const download = useQuery(trpc.seller.agentDownload.queryOptions(undefined, { staleTime: 300_000 }));
  const sign = useSellerSigner();
  const ids = { price: useId(), endpoint: useId(), name: useId() };
  const form = useForm<PairNodeForm>({
    resolver: zodResolver(pairNodeFormSchema),
    mode: "onChange",
    defaultValues: { name: "", pricePerHour: "2.50", endpoint: "" },
  });
  const price = useWatch({ control: form.control, name: "pricePerHour" });
  const { errors, touchedFields, isSubmitted } = form.formState;
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const ticking = useNow(15_000);
  // The ticking clock may be up to 15 s old when a code arrives.
  const now = Math.max(ticking, pairing?.receivedAt ?? 0);

  const create = useMutation({
    mutationFn: async ({ name, pricePerHour, endpoint }: PairNodeForm) => {
      const knownNodeIds = new Set(nodes.map((n) => n.id));
      // Named: signed as PairNamedNode; unnamed, the agent's --name (or the GPU model) names it.
      const signed = await sign("PairNode", { pricePerHour, endpoint, ...(name ? { name } : {}) });
      const out = await client.seller.createPairingCode.mutate(signed);
      return { ...out, price: pricePerHour, knownNodeIds, receivedAt: Date.now() };
    },
    onSuccess: setPairing,
  });

  const paired = useMemo(
    () => (pairing ? nodes.find((n) => !pairing.knownNodeIds.has(n.id)) : undefined),
    [pairing, nodes],
  );
  const expired = pairing ? msLeft(pairing.expiresAt, now) <= 0 : false;
  const waiting = Boolean(pairing && !paired && !expired);
  useEffect(() => onWaitingChange(waiting), [waiting, onWaitingChange]);

  // The price speaks up once left or submitted; the optional fields as you type.
  const priceError = touchedFields.pricePerHour || isSubmitted ? errors.pricePerHour?.message : undefined;
  const endpointError = errors.endpoint?.message;
  const nameError = errors.name?.message;

  const reset = () => {
    setPairing(null);
    create.reset();
  };

  return (
    <Card id="add-node" className="scroll-mt-20">
      <CardHeader
        title="Add a node"
        description="Sign a one-time pairing code, then run the agent on the GPU machine with it."
      />
      <CardBody>
        {!pairing ? (
          <form className="space-y-4" onSubmit={form.handleSubmit((values) => create.mutate(values))}>
            <Field
              label="Name (optional)"
              htmlFor={ids.name}
              error={nameError}
              hint="Shown to buyers, e.g. lab-h200-1; without one the node is shown by its GPU model."
            >
              <Input
                id={ids.name}
                maxLength={80}
                placeholder="lab-h200-1"
                {...form.register("name")}
                aria-invalid={Boolean(nameError)}
              />
            </Field>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field
                label="Price per hour (USD)"
                htmlFor={ids.price}
                error={priceError}
                hint={
                  isFree(price || "1")
                    ? "Free: buyers pay nothing."
                    : "Buyers pay per second used; their maximum is held in escrow while the job runs."
                }
              >
                <div className="relative">
                  <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-sm text-slate-400">
                    $
                  </span>
                  <Input
                    id={ids.price}
                    inputMode="decimal"
                    className="pl-7 tabular-nums"
                    {...form.register("pricePerHour")}
                    aria-invalid={Boolean(priceError)}
                  />
                </div>
              </Field>
              <Field label="Endpoint (optional)" htmlFor={ids.endpoint} error={endpointError} hint="Shown to buyers.">
                <Input
                  id={ids.endpoint}
                  placeholder="https://gpu1.example.com"
                  {...form.register("endpoint")}
                  aria-invalid={Boolean(endpointError)}
                />
              </Field>
            </div>
            <ErrorMessage error={create.error} title="No pairing code" />
            <div className="flex flex-wrap items-center gap-3">
              <Button type="submit" loading={create.isPending} data-testid="create-pairing-code">
                {!create.isPending && <PlusIcon className="size-4" />}
                {create.isPending ? "Waiting for your signature…" : "Sign and get a pairing code"}
              </Button>
              <p className="text-xs text-slate-500">Your wallet signs the price; no transaction, no gas.</p>
            </div>
          </form>
        ) : paired ? (
          <div className="space-y-4" data-testid="pairing-done">
            <div className="flex items-start gap-3 rounded-lg bg-emerald-50 p-4 text-sm text-emerald-900 ring-1 ring-emerald-200 ring-inset">
              <CheckIcon className="mt-0.5 size-5 shrink-0 text-emerald-600" />
              <div>
                <p className="font-medium">Paired: {nodeTitle(paired)} joined your nodes.</p>
                <p className="mt-0.5 text-emerald-800">
                  It takes jobs at {isFree(paired.pricePerHour) ? "no charge" : `${formatUsd(paired.pricePerHour)}/h`}{" "}
                  while its agent runs.
                </p>
              </div>
            </div>
            <Button variant="secondary" onClick={reset}>
              <PlusIcon className="size-4" /> Add another node
            </Button>
          </div>
        ) : (
          <div className="space-y-4">
            <div className="flex flex-wrap items-end justify-between gap-3">
              <div>
                <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Pairing code</p>
                <p
                  className="mt-1 font-mono text-2xl font-semibold tracking-[0.15em] text-slate-900 sm:text-3xl"
                  data-testid="pairing-code"
                >
                  {pairing.code}
                </p>
              </div>
              <p className="text-sm text-slate-600" data-testid="pairing-expiry">
                {expired ? (
                  <span className="font-medium text-rose-700">Expired at {clock(pairing.expiresAt)}</span>
                ) : (
                  <>
                    Works once, until <span className="font-medium">{clock(pairing.expiresAt)}</span> (
                    {minutesLeft(pairing.expiresAt, now)} min)
                  </>
                )}
              </p>
            </div>
            <ol className="space-y-3">
              {pairing.commands.map((c, i) => (
                <Command key={c} step={i + 1} label={commandLabel(c)} text={c} />
              ))}
            </ol>
            <p className="text-xs text-slate-500">
              Run them on the GPU machine (it needs Node.js 20.19 or newer); in a checkout of ComputeSwarm,{" "}
              <code className="rounded bg-slate-100 px-1">npx computeswarm-agent …</code> runs the same agent.{" "}
              <code className="rounded bg-slate-100 px-1">--allow-unsandboxed</code> runs jobs as that user without
              Docker: use it only on a machine you trust.
            </p>
            {download.data && (
              <p className="text-xs break-all text-slate-500" data-testid="agent-download">
                <a className="font-medium text-indigo-700 hover:underline" href={download.data.url}>
                  computeswarm-agent.js
                </a>{" "}
                sha256 <code className="font-mono">{download.data.sha256}</code>
              </p>
            )}
            {expired ? (
              <Notice tone="warn">This code expired before an agent used it. Create a new one.</Notice>
            ) : (
              <div className="flex items-center gap-2 text-sm text-slate-600" data-testid="pairing-waiting">
                <Spinner className="text-indigo-500" label="Waiting for the agent" />
                Waiting for the agent to redeem the code… it will be listed at{" "}
                {isFree(pairing.price) ? "no charge" : `${formatUsd(pairing.price)}/h`}.
              </div>
            )}
            <Button variant="ghost" size="sm" onClick={reset}>
              {expired ? "Create a new code" : "Cancel and start over"}
            </Button>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
