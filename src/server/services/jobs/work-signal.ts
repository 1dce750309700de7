import { Prisma } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { SETTLEMENT_MARGIN_SECONDS } from "./limits";
import { NUDGE_PREFIX } from "./transition";

/**
 * Which nodes may have a job to take, known in process, so that a waiting
 * claim costs no database connection: PostgreSQL is asked only when there is
 * reason to think a job is there.
 *
 * - One pattern subscription per instance (`jobs:node:*`) hears every nudge
 *   (a job queued, a payment held, a node resumed), whichever instance sent it,
 *   and whether or not a claim of that node is waiting here right now.
 * - While claims wait, one query per instance every SWEEP_MS lists the nodes
 *   with a claimable job: it covers a nudge Redis lost (restart, a subscriber
 *   reconnecting) and jobs queued before this process started.
 *
 * `hint(node)` counts the signals since the last empty look; a claim that found
 * nothing clears it only if no new signal came meanwhile (`clear(node, seen)`).
 */
export const SWEEP_MS = 2_000;

export interface Signal {
  hints: Map<string, number>;
  waiters: Map<string, Set<() => void>>;
  waiting: number;
  sweeper?: ReturnType<typeof setInterval>;
  lastSweep: number;
  subscribed: Promise<void>;
}

type SignalDeps = Pick<Deps, "redis" | "local" | "prisma" | "clock" | "log">;

/**
 * The rule for "a claim may take this job", in one place: queued, on a node
 * neither paused nor suspended, and a paid job only once its payment is
 * collected (held in escrow, or paid), and never one whose escrow would lapse
 * before it could run and be settled (the seller would work for nothing; the
 * watchdog cancels it). `j` is the jobs row.
 */
export function claimableSql(now: Date): Prisma.Sql {
  return Prisma.sql`j.status = 'queued'
        AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = j.node_id AND n.status NOT IN ('paused', 'suspended'))
        AND NOT EXISTS (
          SELECT 1 FROM payments p
          WHERE p.job_id = j.id
            AND (p.status NOT IN ('held', 'captured')
              OR p.capture_deadline < ${now}::timestamptz + make_interval(secs => j.max_duration_seconds + ${SETTLEMENT_MARGIN_SECONDS})))`;
}

function signalOf(deps: SignalDeps): Signal {
  const sig = deps.local.workSignal;
  if (sig) return sig;
  const created: Signal = {
    hints: new Map(),
    waiters: new Map(),
    waiting: 0,
    lastSweep: 0,
    subscribed: Promise.resolve(),
  };
  const sub = deps.redis.subscriber();
  const prefix = deps.redis.channel(NUDGE_PREFIX);
  sub.on("pmessage", (_pattern: string, channel: string) => {
    if (channel.startsWith(prefix)) mark(created, channel.slice(prefix.length));
  });
  created.subscribed = sub.psubscribe(`${escapeGlob(prefix)}*`).then(
    () => undefined,
    (err: Error) => deps.log.warn({ err: err.message }, "claims cannot hear nudges; they rely on the sweep"),
  );
  deps.local.workSignal = created;
  return created;
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * One signal wakes one waiting claim of the node here, the longest waiting
 * (a nudge is one job; waking every claim of the node would send them all to
 * PostgreSQL for it). Claims arriving later see the hint and look themselves.
 */
function mark(sig: Signal, nodeId: string) {
  sig.hints.set(nodeId, (sig.hints.get(nodeId) ?? 0) + 1);
  const set = sig.waiters.get(nodeId);
  const first = set?.values().next().value;
  if (first) {
    set!.delete(first);
    first();
  }
}

/** Signals for this node since its last empty look (0: none known). */
export function hint(deps: SignalDeps, nodeId: string): number {
  return signalOf(deps).hints.get(nodeId) ?? 0;
}

/** A claim looked and found nothing: forget the hint, unless another signal came since `seen`. */
export function clear(deps: SignalDeps, nodeId: string, seen: number): void {
  const sig = signalOf(deps);
  if ((sig.hints.get(nodeId) ?? 0) === seen) sig.hints.delete(nodeId);
}

/**
 * Resolves true on the next signal for the node (at once if one is pending),
 * false after timeoutMs or when aborted. A claim woken by a signal must look:
 * the signal was meant for it alone.
 */
export async function waitForWork(
  deps: SignalDeps,
  nodeId: string,
  timeoutMs: number,
  abort?: AbortSignal,
): Promise<boolean> {
  const sig = signalOf(deps);
  await sig.subscribed;
  if (abort?.aborted) return false;
  if (sig.hints.has(nodeId)) return true;
  let set = sig.waiters.get(nodeId);
  if (!set) sig.waiters.set(nodeId, (set = new Set()));
  let done!: (signalled: boolean) => void;
  const woken = new Promise<boolean>((resolve) => (done = resolve));
  const onSignal = () => done(true);
  const onTimeout = () => done(false);
  set.add(onSignal);
  if (sig.waiting++ === 0) startSweeping(deps, sig);
  const timer = setTimeout(onTimeout, timeoutMs);
  abort?.addEventListener("abort", onTimeout, { once: true });
  try {
    return await woken;
  } finally {
    clearTimeout(timer);
    abort?.removeEventListener("abort", onTimeout);
    set.delete(onSignal);
    if (set.size === 0 && sig.waiters.get(nodeId) === set) sig.waiters.delete(nodeId);
    if (--sig.waiting === 0) stopSweeping(sig);
  }
}

/** Sweeps while claims wait: at once when the first one starts waiting, unless a sweep ran within SWEEP_MS. */
function startSweeping(deps: SignalDeps, sig: Signal) {
  const run = () => {
    sig.lastSweep = Date.now();
    sweep(deps, sig).catch((err: Error) => deps.log.debug({ err: err.message }, "claim sweep failed; next one soon"));
  };
  if (Date.now() - sig.lastSweep >= SWEEP_MS) run();
  sig.sweeper = setInterval(run, SWEEP_MS);
  sig.sweeper.unref();
}

function stopSweeping(sig: Signal) {
  if (sig.sweeper) clearInterval(sig.sweeper);
  sig.sweeper = undefined;
}

/** One query for the whole instance: the waiting nodes that have a claimable job. */
async function sweep(deps: SignalDeps, sig: Signal) {
  const waiting = [...sig.waiters.keys()];
  if (waiting.length === 0) return;
  const rows = await deps.prisma.$queryRaw<{ node_id: string }[]>`
    SELECT DISTINCT j.node_id FROM jobs j
    WHERE j.node_id = ANY(${waiting}::uuid[]) AND ${claimableSql(deps.clock.now())}`;
  for (const { node_id } of rows) mark(sig, node_id);
}
