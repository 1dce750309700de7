import type { Deps } from "../../deps";
import { subscribe } from "../events/bus";
import { runAsLeader } from "../leader/lease";
import { settlementNudgeChannel } from "../jobs/transition";
import { settleJobPayment, settlementPass } from "./settlement";

/**
 * The settlement worker. The instance holding the "settlement" lease sweeps every
 * SETTLEMENT_INTERVAL_MS (retries, anything a nudge missed); the same instance also
 * reacts at once to the nudge published when a job finishes, so a payment settles
 * within milliseconds of the job's completion. Only the leader sends, so one
 * relayer's transactions leave one process. A new leader first resolves every
 * `settling` row from the chain (a crashed sender's attempt), without waiting for its lease.
 */
export function startSettlementWorker(deps: Deps): () => Promise<void> {
  const interval = deps.env.SETTLEMENT_INTERVAL_MS;
  let leaderUntil = 0;
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const stopLoop = runAsLeader(deps, "settlement", interval, async () => {
    // Leading since the last tick? If not, this instance just took over (or started): every
    // `settling` row is a cut-off attempt, resolved from the chain now (issue 11.4).
    const takeover = Date.now() > leaderUntil;
    // The lease lives 3 intervals and is renewed every interval: we lead at least until the next tick.
    leaderUntil = Date.now() + interval * 2;
    const r = await settlementPass(deps, { takeover });
    if (r.captured || r.recovered || r.failed || r.voided || r.retry || r.reclaimable)
      deps.log.info(r, "settlement pass");
  });

  let unsubscribe: (() => Promise<void>) | undefined;
  let stopped = false;
  void subscribe(deps, settlementNudgeChannel, (message) => {
    if (stopped || Date.now() > leaderUntil) return;
    let jobId: unknown;
    try {
      jobId = (JSON.parse(message) as { jobId?: unknown }).jobId;
    } catch {
      return;
    }
    if (typeof jobId !== "string") return;
    track(
      settleJobPayment(deps, jobId).catch((err) => deps.log.error({ err, jobId }, "settlement after nudge failed")),
    );
  })
    .then((u) => {
      if (stopped) void u();
      else unsubscribe = u;
    })
    .catch((err) => deps.log.error({ err }, "settlement worker could not subscribe to nudges"));

  return async () => {
    stopped = true;
    stopLoop();
    await unsubscribe?.();
    await Promise.allSettled([...inFlight]);
  };
}
