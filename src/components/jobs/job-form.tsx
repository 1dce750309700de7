"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Controller, useForm, useWatch, type PathValue } from "react-hook-form";
import { z } from "zod";
import {
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  ChipIcon,
  EmptyState,
  ErrorMessage,
  Field,
  Input,
  LoadingBlock,
  NodeStatusBadge,
  Notice,
  SegmentedControl,
  Select,
  Usd,
} from "@/components/ui";
import { canRent, hardwareLabel, isCpuOnly, nodeTitle } from "@/components/marketplace/node-bits";
import { useSession } from "@/components/wallet/session";
import { UsdcBalance } from "@/components/wallet/balance";
import { chainName } from "@/lib/chains";
import { describeError } from "@/lib/errors";
import { formatDuration, formatTflops, formatVram, imageLabel, shortAddress, formatUsd } from "@/lib/format";
import { atomicToUsd, isFree, quoteAtomic } from "@/lib/money";
import { useTRPC, useTRPCClient, type RouterOutputs } from "@/trpc/react";
import { chainIdOfRequirements, signPayment, type PaymentRequirements } from "./pay-for-job";
import { ScriptEditor } from "./script-editor";
import {
  JOB_TYPE_LABELS,
  JOB_TYPES,
  jobScriptSchema,
  jobTypeSchema,
  MAX_SCRIPT_BYTES,
  maxDurationSecondsSchema,
  type JobType,
} from "@computeswarm/protocol";

type Job = RouterOutputs["jobs"]["get"];

const UNIT_SECONDS = { s: 1, min: 60, h: 3600 } as const;
type Unit = keyof typeof UNIT_SECONDS;

/** The duration as typed, in whole seconds; NaN when it is not a number. */
function secondsOf(duration: string, unit: Unit): number {
  const n = duration.trim() === "" ? NaN : Number(duration);
  return Number.isFinite(n) ? Math.round(n * UNIT_SECONDS[unit]) : NaN;
}

/** The first message of a shared rule that fails, for a field of this form. */
function check(schema: z.ZodType, value: unknown, path: (string | number)[], ctx: z.RefinementCtx) {
  const result = schema.safeParse(value);
  if (!result.success) ctx.addIssue({ code: "custom", path, message: result.error.issues[0]!.message });
}

/**
 * The form's fields (a script per job type, the duration as typed with its unit), checked
 * with the server's own rules for the script and the duration.
 */
const jobFormSchema = z
  .object({
    jobType: jobTypeSchema,
    scripts: z.record(jobTypeSchema, z.string()),
    duration: z.string(),
    unit: z.enum(["s", "min", "h"]),
    // "" = the node's first image (its default); only nodes that run containers offer images.
    image: z.string(),
  })
  .superRefine((form, ctx) => {
    check(jobScriptSchema, form.scripts[form.jobType], ["scripts", form.jobType], ctx);
    const seconds = secondsOf(form.duration, form.unit);
    if (Number.isNaN(seconds)) ctx.addIssue({ code: "custom", path: ["duration"], message: "Enter a duration" });
    else check(maxDurationSecondsSchema, seconds, ["duration"], ctx);
  });
type JobFormValues = z.infer<typeof jobFormSchema>;

const EXAMPLES: Record<JobType, string> = {
  python: `import platform, time

print("Hello from", platform.node())
try:
    import torch
    print("CUDA available:", torch.cuda.is_available())
    if torch.cuda.is_available():
        print("GPU:", torch.cuda.get_device_name(0))
except ImportError:
    print("PyTorch is not installed on this node")

for step in range(5):
    print("step", step)
    time.sleep(0.5)
`,
  shell: `echo "Hello from $(hostname)"
nvidia-smi --query-gpu=name,memory.total,utilization.gpu --format=csv || echo "no nvidia-smi here"
uname -a
`,
};

const PRESETS: { label: string; value: string; unit: Unit }[] = [
  { label: "1 min", value: "1", unit: "min" },
  { label: "5 min", value: "5", unit: "min" },
  { label: "15 min", value: "15", unit: "min" },
  { label: "1 h", value: "1", unit: "h" },
];

type Step = "idle" | "quote" | "sign" | "submit";
const STEP_LABEL: Record<Step, string> = {
  idle: "",
  quote: "Getting the price…",
  sign: "Confirm the payment in your wallet…",
  submit: "Submitting the job…",
};

export function JobForm({ nodeId }: { nodeId: string | null }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { session, signIn, signingIn, signInError, isConnected, wallet } = useSession();
  const { address, chainId, openConnectModal } = wallet;

  const form = useForm<JobFormValues>({
    resolver: zodResolver(jobFormSchema),
    mode: "onChange",
    defaultValues: { jobType: "python", scripts: EXAMPLES, duration: "5", unit: "min", image: "" },
  });
  const { jobType, scripts, duration, unit, image } = useWatch({ control: form.control }) as JobFormValues;
  const { errors } = form.formState;
  const [step, setStep] = useState<Step>("idle");
  const [error, setError] = useState<unknown>(null);

  const node = useQuery({ ...trpc.nodes.get.queryOptions({ id: nodeId ?? "" }), enabled: Boolean(nodeId) });

  if (!nodeId) {
    return (
      <Card>
        <EmptyState
          icon={<ChipIcon className="size-6" />}
          title="Pick a node first"
          description="Choose a GPU in the marketplace, then press Rent to write your job here."
          action={<ButtonLink href="/">Browse the marketplace</ButtonLink>}
        />
      </Card>
    );
  }
  if (node.isPending) return <LoadingBlock label="Loading node…" />;
  if (node.isError) {
    return <ErrorMessage error={node.error} title="Could not load this node" onRetry={() => void node.refetch()} />;
  }

  const n = node.data;
  const script = scripts[jobType];
  const scriptBytes = new TextEncoder().encode(script).length;
  const seconds = secondsOf(duration, unit);
  const durationError = errors.duration?.message;
  const scriptError = errors.scripts?.[jobType]?.message;
  const free = isFree(n.pricePerHour);
  const costAtomic = durationError ? 0n : quoteAtomic(n.pricePerHour, seconds);
  const cost = atomicToUsd(costAtomic);
  const jobTypes = n.gpuInfo.jobTypes ?? JOB_TYPES;
  const typeError = jobTypes.includes(jobType) ? undefined : `This node runs ${jobTypes.join(" and ")} jobs only.`;
  const rentable = canRent(n.status);
  const busy = step !== "idle";
  const invalid = Boolean(durationError || scriptError || typeError || !rentable);
  // A change to one field may settle another's rule (the unit the duration, the type the script).
  const set = <K extends "jobType" | "duration" | "unit">(name: K, value: PathValue<JobFormValues, K>) => {
    form.setValue(name, value);
    void form.trigger();
  };

  async function submit() {
    setError(null);
    const input = { nodeId: n.id, jobType, script, maxDurationSeconds: seconds, ...(image ? { image } : {}) };
    try {
      let job: Job;
      if (free) {
        setStep("submit");
        job = await client.jobs.submit.mutate(input);
      } else {
        job = await payAndSubmit(input);
      }
      await queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() });
      queryClient.setQueryData(trpc.jobs.get.queryKey({ id: job.id }), job);
      router.push(`/jobs/${job.id}`);
    } catch (err) {
      setError(err);
      setStep("idle");
      // The price or status may have changed under us: show the node as it is now.
      void node.refetch();
    }
  }

  async function payAndSubmit(input: {
    nodeId: string;
    jobType: JobType;
    script: string;
    maxDurationSeconds: number;
    image?: string;
  }): Promise<Job> {
    if (!address) throw new Error("Connect the wallet you signed in with to pay.");
    if (session && address.toLowerCase() !== session.address.toLowerCase()) {
      throw new Error(
        `You are signed in as ${shortAddress(session.address)} but your wallet shows ${shortAddress(address)}. Sign in again with this wallet, or switch accounts.`,
      );
    }
    setStep("quote");
    const quote = await queryClient.fetchQuery({
      ...trpc.jobs.quote.queryOptions({
        nodeId: input.nodeId,
        jobType: input.jobType,
        maxDurationSeconds: input.maxDurationSeconds,
      }),
      staleTime: 0,
    });
    if (!quote.requirements) {
      // The seller made the node free in the meantime: nothing to sign.
      setStep("submit");
      return client.jobs.submit.mutate(input);
    }
    const requirements: PaymentRequirements = quote.requirements;
    const wanted = chainIdOfRequirements(requirements);
    if (chainId !== wanted) await wallet.switchChain(wanted);
    setStep("sign");
    const payment = await signPayment({ address, signTypedData: wallet.signTypedData }, requirements);
    setStep("submit");
    return client.jobs.submit.mutate({ ...input, payment });
  }

  const action = (testId: string, className = "w-full") =>
    !session ? (
      isConnected ? (
        <Button className={className} size="lg" onClick={signIn} loading={signingIn}>
          Sign in to run this job
        </Button>
      ) : (
        <Button className={className} size="lg" onClick={() => openConnectModal()}>
          Connect wallet to run
        </Button>
      )
    ) : !free && !isConnected ? (
      <Button className={className} size="lg" onClick={() => openConnectModal()}>
        Connect wallet to pay
      </Button>
    ) : (
      <Button
        className={className}
        size="lg"
        disabled={invalid}
        loading={busy}
        onClick={() => void submit()}
        data-testid={testId}
      >
        {busy ? STEP_LABEL[step] : free ? "Run job" : `Pay ${formatUsd(cost)} and run`}
      </Button>
    );

  return (
    <div className="grid gap-5 pb-24 lg:grid-cols-3 lg:pb-0">
      <form
        className="space-y-5 lg:col-span-2"
        onSubmit={form.handleSubmit(() => {
          if (!invalid && !busy) void submit();
        })}
      >
        <Card>
          <CardHeader
            title="Your job"
            description="A script that runs on the node. Its output (stdout and stderr) streams back to you."
            actions={
              <SegmentedControl
                name="Job type"
                value={jobType}
                onChange={(t) => set("jobType", t)}
                options={JOB_TYPES.map((value) => ({ value, label: JOB_TYPE_LABELS[value] }))}
              />
            }
          />
          <CardBody className="space-y-4">
            <Controller
              control={form.control}
              name={`scripts.${jobType}`}
              render={({ field }) => (
                <ScriptEditor
                  id="script"
                  language={jobType}
                  value={field.value}
                  onChange={field.onChange}
                  invalid={Boolean(scriptError)}
                />
              )}
            />
            <div className="flex flex-wrap justify-between gap-2 text-xs text-slate-500">
              <span className={scriptError ? "text-rose-600" : undefined}>
                {scriptError ??
                  typeError ??
                  `${script.split("\n").length} lines · ${(scriptBytes / 1024).toFixed(1)} KB of ${MAX_SCRIPT_BYTES / 1024} KB`}
              </span>
              <span>Tab indents · Esc then Tab leaves the editor</span>
            </div>
            {n.images.length > 0 && (
              <Field
                label="Image"
                htmlFor="image"
                hint="The container image your job runs in. The node runs only the images it lists, each pinned by digest."
              >
                <Select
                  id="image"
                  data-testid="job-image"
                  value={image || n.images[0]}
                  onChange={(e) => form.setValue("image", e.target.value)}
                >
                  {n.images.map((ref) => (
                    <option key={ref} value={ref}>
                      {imageLabel(ref)}
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
              <Field
                label="Maximum duration"
                htmlFor="duration"
                error={durationError}
                hint="The job is stopped when it reaches this limit. Price × this duration is held in escrow; you pay per second used."
              >
                <div className="flex gap-2">
                  <Input
                    id="duration"
                    inputMode="decimal"
                    className="w-28"
                    value={duration}
                    onChange={(e) => set("duration", e.target.value.replace(/[^\d.]/g, ""))}
                    aria-invalid={Boolean(durationError) || undefined}
                  />
                  <Select
                    aria-label="Unit"
                    className="w-32"
                    value={unit}
                    onChange={(e) => set("unit", e.target.value as Unit)}
                  >
                    <option value="s">seconds</option>
                    <option value="min">minutes</option>
                    <option value="h">hours</option>
                  </Select>
                </div>
              </Field>
              <div className="flex flex-wrap items-start gap-1.5 sm:pt-5">
                {PRESETS.map((p) => (
                  <button
                    key={p.label}
                    type="button"
                    onClick={() => {
                      form.setValue("duration", p.value);
                      set("unit", p.unit);
                    }}
                    className="rounded-full bg-slate-100 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-200"
                  >
                    {p.label}
                  </button>
                ))}
              </div>
            </div>
          </CardBody>
        </Card>
      </form>

      <div className="space-y-5">
        <Card>
          <CardHeader title="Node" actions={<NodeStatusBadge status={n.status} />} />
          <CardBody className="space-y-1 text-sm">
            <p className="font-medium break-words text-slate-900">{nodeTitle(n)}</p>
            <p className="text-slate-500">
              {n.name ? `${hardwareLabel(n)} · ` : ""}
              {isCpuOnly(n) ? "CPU only" : `${formatVram(n.vramMiB)} VRAM`} · {formatTflops(n.tflops)} TFLOPS
            </p>
            <p className="text-slate-500">Seller {shortAddress(n.sellerAddress)}</p>
          </CardBody>
        </Card>

        <Card className="lg:sticky lg:top-20">
          <CardHeader title="Price" />
          <CardBody className="space-y-4">
            <div>
              <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">
                {free ? "Cost" : "Held in escrow (maximum)"}
              </p>
              <p
                className="mt-1 text-3xl font-semibold tracking-tight text-slate-900 tabular-nums"
                data-testid="job-cost"
              >
                {free ? "Free" : <Usd value={cost} />}
              </p>
              {!free && (
                <p className="mt-1 text-sm text-slate-500" data-testid="job-cost-breakdown">
                  <Usd value={n.pricePerHour} />
                  /hour × {durationError ? "—" : formatDuration(seconds)} · USDC
                </p>
              )}
            </div>
            {!free && (
              <p className="text-xs text-slate-500">
                Per second used, ceiling held in escrow: your wallet signs one USDC authorization, the maximum is held
                in escrow while the job runs, the seconds used go to the seller and the rest comes back to you. If the
                node fails or you cancel before it starts, all of it comes back.
              </p>
            )}
            {!rentable && <Notice tone="warn">This node is {n.status} and takes no new jobs right now.</Notice>}
            {error ? (
              <ErrorMessage error={error} title={free ? "The job was not submitted" : "The job was not paid for"} />
            ) : null}
            {action("submit-job")}
            {signInError ? <p className="text-sm text-rose-600">{describeError(signInError)}</p> : null}
            {!free && session && isConnected && chainId !== undefined && (
              <p className="text-xs text-slate-400">
                Paying from {shortAddress(address)} on {chainName(chainId)} · balance{" "}
                <UsdcBalance className="font-medium text-slate-600 tabular-nums" />
              </p>
            )}
          </CardBody>
        </Card>
      </div>

      {/* Phones: the price and the button stay in reach while you write the script. */}
      <div className="fixed inset-x-0 bottom-0 z-20 flex items-center gap-3 border-t border-slate-200 bg-white/95 px-4 py-3 backdrop-blur lg:hidden">
        <div className="min-w-0 flex-1">
          <p className="text-xs text-slate-500">{free ? "Cost" : "Held at most · pay per second"}</p>
          <p className="truncate font-semibold text-slate-900 tabular-nums">{free ? "Free" : <Usd value={cost} />}</p>
        </div>
        {action("submit-job-mobile", "shrink-0")}
      </div>
    </div>
  );
}
