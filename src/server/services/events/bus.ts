import type { Deps } from "../../deps";

/**
 * Redis pub/sub for the whole process: one subscriber connection, channels
 * subscribed while anyone listens. Events reach every app instance.
 */
type Listener = (message: string) => void;

export interface Bus {
  listeners: Map<string, Set<Listener>>;
}

function busOf(deps: Pick<Deps, "redis" | "local">): Bus {
  let bus = deps.local.bus;
  if (!bus) {
    const created: Bus = { listeners: new Map() };
    deps.redis.subscriber().on("message", (channel: string, message: string) => {
      for (const l of created.listeners.get(channel) ?? []) l(message);
    });
    deps.local.bus = created;
    bus = created;
  }
  return bus;
}

export async function publish(deps: Pick<Deps, "redis">, name: string, payload: unknown): Promise<void> {
  await deps.redis.cmd.publish(deps.redis.channel(name), JSON.stringify(payload));
}

/**
 * Publishes news of something PostgreSQL already committed. A lost message only
 * makes a listener wait for its next sweep (claims recheck, the settlement worker
 * sweeps, the UI refetches), so a Redis failure here must never fail the request
 * that committed: the buyer must get the job they paid for.
 */
export async function publishCommitted(
  deps: Pick<Deps, "redis" | "log">,
  name: string,
  payload: unknown,
): Promise<void> {
  try {
    await publish(deps, name, payload);
  } catch (err) {
    deps.log.warn(
      { err: (err as Error).message, channel: name },
      "event not published; listeners catch up on their sweep",
    );
  }
}

/** Subscribes to a channel; resolves once the subscription is live. Returns the unsubscribe function. */
export async function subscribe(
  deps: Pick<Deps, "redis" | "local">,
  name: string,
  listener: Listener,
): Promise<() => Promise<void>> {
  const bus = busOf(deps);
  const channel = deps.redis.channel(name);
  let set = bus.listeners.get(channel);
  if (!set) {
    bus.listeners.set(channel, (set = new Set()));
    await deps.redis.subscriber().subscribe(channel);
  }
  set.add(listener);
  return async () => {
    set.delete(listener);
    if (set.size === 0 && bus.listeners.get(channel) === set) {
      bus.listeners.delete(channel);
      await deps.redis.subscriber().unsubscribe(channel);
    }
  };
}

/**
 * A live subscription whose messages are buffered from the moment this
 * resolves, so a caller can read current state afterwards without missing
 * a change in between. Iterate until the signal aborts; then it closes itself.
 */
export async function openChannel(deps: Pick<Deps, "redis" | "local">, name: string) {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await subscribe(deps, name, (m) => {
    queue.push(m);
    wake?.();
  });
  async function* iterate(signal?: AbortSignal): AsyncGenerator<string> {
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        while (queue.length) yield queue.shift()!;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await unsubscribe();
    }
  }
  return { iterate, close: unsubscribe };
}
