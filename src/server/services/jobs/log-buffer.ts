import type { Deps } from "../../deps";

/**
 * Live log chunks, batched per process (#14): an agent's chunk is checked and
 * published to live listeners at once, then waits here up to FLUSH_MS and is
 * stored with every other chunk of the window in one multi-row INSERT, instead
 * of one INSERT (plus a size query and a job lookup) per chunk per request.
 *
 * What this trades: the agent hears "ok" before its chunk is in PostgreSQL. A
 * crash of this process loses at most the last unflushed window of live logs
 * (≤ FLUSH_MS of chunks); never a job's output or result, which the completion
 * report carries and stores in its own transaction. A job's completion (and
 * every read of its logs in this process) flushes its pending chunks first, so
 * nothing acknowledged goes missing in the normal course.
 *
 * Ordering and duplicates keep their meaning: chunks are inserted in arrival
 * order (ids ascend as before), (job, stream, seq) is still unique in the
 * table (ON CONFLICT DO NOTHING), and a retry this process has already seen is
 * neither buffered nor published again. Seq holes are counted from the table,
 * as before.
 */
export const FLUSH_MS = 150;
/** A window with this many chunks is flushed without waiting for the timer. */
const FLUSH_ROWS = 2_000;
/** Chunks waiting beyond this (the database is down) are dropped, oldest first: live logs only. */
const MAX_PENDING = 50_000;
/** How long a job's "running on node X" is trusted before it is read again. */
export const JOB_STATE_MS = 5_000;
/** A job's state is forgotten after this long without a chunk. */
const IDLE_MS = 120_000;
/** Chunks per job remembered for dropping retries (an agent retries its latest chunks, in order). */
const SEEN_WINDOW = 64;

export interface LogChunk {
  jobId: string;
  seq: number;
  stream: "stdout" | "stderr";
  data: string;
}

export interface JobLogState {
  nodeId: string | null;
  status: string;
  checkedAt: number;
  /** Bytes of log text stored or waiting, as far as this process knows. */
  bytes: number;
  /** Recently seen chunks (seq * 2, + 1 for stderr), for dropping retries. */
  seen: Set<number>;
  pending: number;
  usedAt: number;
}

export interface LogBuffer {
  pending: LogChunk[];
  jobs: Map<string, JobLogState>;
  timer: ReturnType<typeof setTimeout> | null;
  flushing: Promise<void> | null;
  sweptAt: number;
  /** The job-state read that chunks needing one join now (it starts once the read in flight ends). */
  nextRead: StateRead | null;
  /** The read in flight, if any. */
  reading: Promise<unknown> | null;
}

interface JobRow {
  nodeId: string;
  status: string;
  /** Only for the jobs read with their bytes. */
  bytes: number | null;
}

interface StateRead {
  /** Job id → whether its stored log bytes are wanted too (a job new to this process). */
  ids: Map<string, boolean>;
  rows: Promise<Map<string, JobRow>>;
}

type BufferDeps = Pick<Deps, "prisma" | "local" | "log" | "clock">;

function bufferOf(deps: Pick<Deps, "local">): LogBuffer {
  return (deps.local.jobLogBuffer ??= {
    pending: [],
    jobs: new Map(),
    timer: null,
    flushing: null,
    sweptAt: 0,
    nextRead: null,
    reading: null,
  });
}

/**
 * The job's state as this process last read it: nodeId, status, and the bytes
 * of log it holds. Read from PostgreSQL at most every JOB_STATE_MS per job (a
 * job's node never changes; a status change made here is applied at once by
 * noteJobStatus, one made elsewhere is seen within JOB_STATE_MS), and every
 * job due a read at the same moment shares one query: thousands of streaming
 * jobs cost one statement at a time, not one per job.
 */
export async function jobLogState(deps: BufferDeps, jobId: string): Promise<JobLogState | null> {
  const buf = bufferOf(deps);
  const now = deps.clock.now().getTime();
  sweep(buf, now);
  const known = buf.jobs.get(jobId);
  if (known && now - known.checkedAt >= 0 && now - known.checkedAt < JOB_STATE_MS) {
    known.usedAt = now;
    return known;
  }
  const row = await readJobRow(deps, buf, jobId, !known);
  if (!row) {
    buf.jobs.delete(jobId);
    return null;
  }
  // Another chunk of this job may have made or refreshed the state meanwhile.
  const state = buf.jobs.get(jobId) ?? known;
  if (state) {
    Object.assign(state, { nodeId: row.nodeId, status: row.status, checkedAt: now, usedAt: now });
    buf.jobs.set(jobId, state);
    return state;
  }
  const created: JobLogState = {
    nodeId: row.nodeId,
    status: row.status,
    checkedAt: now,
    bytes: row.bytes ?? 0,
    seen: new Set(),
    pending: 0,
    usedAt: now,
  };
  buf.jobs.set(jobId, created);
  return created;
}

/** Joins the next shared read (one read in flight at a time; those arriving meanwhile wait for the next). */
function readJobRow(deps: BufferDeps, buf: LogBuffer, jobId: string, withBytes: boolean) {
  let read = buf.nextRead;
  if (!read) {
    const ids = new Map<string, boolean>();
    const previous = buf.reading;
    const rows = (async () => {
      if (previous) await previous.catch(() => {});
      // Chunks of this turn of the event loop join too.
      await new Promise((r) => setImmediate(r));
      if (buf.nextRead?.ids === ids) buf.nextRead = null;
      return readJobRows(deps, ids);
    })();
    read = buf.nextRead = { ids, rows };
    buf.reading = rows;
  }
  read.ids.set(jobId, read.ids.get(jobId) === true || withBytes);
  return read.rows.then((rows) => rows.get(jobId));
}

async function readJobRows(deps: BufferDeps, ids: Map<string, boolean>): Promise<Map<string, JobRow>> {
  const all = [...ids.keys()];
  const withBytes = all.filter((id) => ids.get(id));
  const rows = await deps.prisma.$queryRaw<{ id: string; node_id: string; status: string; bytes: bigint | null }[]>`
    SELECT j.id, j.node_id, j.status,
      CASE WHEN j.id = ANY(${withBytes}::uuid[])
        THEN (SELECT coalesce(sum(octet_length(l.data)), 0) FROM job_logs l WHERE l.job_id = j.id) END::bigint AS bytes
    FROM jobs j WHERE j.id = ANY(${all}::uuid[])`;
  return new Map(
    rows.map((r) => [r.id, { nodeId: r.node_id, status: r.status, bytes: r.bytes === null ? null : Number(r.bytes) }]),
  );
}

/** A status change made in this process: later chunks see it without waiting for JOB_STATE_MS. */
export function noteJobStatus(deps: Pick<Deps, "local">, jobId: string, status: string): void {
  const state = bufferOf(deps).jobs.get(jobId);
  if (state) state.status = status;
}

/**
 * Buffers a chunk of a job whose state the caller has checked. Returns false
 * for a retry already seen here (the caller neither stores nor publishes it).
 */
export function bufferJobLog(deps: BufferDeps, state: JobLogState, chunk: LogChunk): boolean {
  const key = chunk.seq * 2 + (chunk.stream === "stderr" ? 1 : 0);
  if (state.seen.has(key)) return false;
  state.seen.add(key);
  if (state.seen.size > 2 * SEEN_WINDOW) {
    // Keep the newest half: Sets iterate in insertion order.
    let drop = state.seen.size - SEEN_WINDOW;
    for (const k of state.seen) {
      if (drop-- <= 0) break;
      state.seen.delete(k);
    }
  }
  state.bytes += Buffer.byteLength(chunk.data);
  state.pending++;
  const buf = bufferOf(deps);
  buf.pending.push(chunk);
  if (buf.pending.length > MAX_PENDING) {
    const dropped = buf.pending.splice(0, buf.pending.length - MAX_PENDING);
    for (const c of dropped) {
      const s = buf.jobs.get(c.jobId);
      if (s) s.pending--;
    }
    deps.log.warn({ dropped: dropped.length }, "live log chunks dropped: the database is not keeping up");
  }
  if (buf.pending.length >= FLUSH_ROWS) void flushJobLogs(deps);
  else buf.timer ??= setTimeout(() => void flushJobLogs(deps), FLUSH_MS).unref();
  return true;
}

/**
 * Stores every chunk waiting in this process (one INSERT), after any flush
 * already under way. With `jobId`, returns at once when none of that job's
 * chunks is waiting. Never throws: a failed window is retried once, then
 * dropped with a warning (live logs only).
 */
export async function flushJobLogs(deps: BufferDeps, jobId?: string): Promise<void> {
  const buf = bufferOf(deps);
  if (jobId !== undefined && !(buf.jobs.get(jobId)?.pending ?? 0) && !buf.flushing) return;
  while (buf.flushing) await buf.flushing;
  if (jobId !== undefined && !(buf.jobs.get(jobId)?.pending ?? 0)) return;
  if (buf.timer) clearTimeout(buf.timer);
  buf.timer = null;
  const rows = buf.pending;
  if (!rows.length) return;
  buf.pending = [];
  buf.flushing = insertRows(deps, rows)
    .catch(async (err: Error) => {
      deps.log.warn({ err: err.message, chunks: rows.length }, "live log window not stored; retrying once");
      await insertRows(deps, rows).catch((again: Error) =>
        deps.log.warn({ err: again.message, chunks: rows.length }, "live log window dropped"),
      );
    })
    .finally(() => {
      for (const c of rows) {
        const s = buf.jobs.get(c.jobId);
        if (s) s.pending--;
      }
      buf.flushing = null;
      if (buf.pending.length && !buf.timer) buf.timer = setTimeout(() => void flushJobLogs(deps), FLUSH_MS).unref();
    });
  await buf.flushing;
}

async function insertRows(deps: Pick<Deps, "prisma">, rows: LogChunk[]) {
  // Rows of a job deleted meanwhile are skipped rather than failing the window.
  await deps.prisma.$executeRaw`
    INSERT INTO job_logs (job_id, seq, stream, data)
    SELECT u.job_id, u.seq, u.stream, u.data
    FROM unnest(${rows.map((r) => r.jobId)}::uuid[], ${rows.map((r) => r.seq)}::int[],
                ${rows.map((r) => r.stream)}::text[], ${rows.map((r) => r.data)}::text[])
         WITH ORDINALITY AS u(job_id, seq, stream, data, n)
    WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = u.job_id)
    ORDER BY u.n
    ON CONFLICT (job_id, stream, seq) DO NOTHING`;
}

function sweep(buf: LogBuffer, now: number) {
  if (now - buf.sweptAt < IDLE_MS) return;
  buf.sweptAt = now;
  for (const [id, s] of buf.jobs) if (!s.pending && now - s.usedAt > IDLE_MS) buf.jobs.delete(id);
}
