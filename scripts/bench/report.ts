import autocannon from "autocannon";

export function percentiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: s.at(-1) ?? NaN, n: s.length };
}

type Timing = { t0?: number };

export interface Scenario {
  name: string;
  target?: string;
  method?: "GET" | "POST";
  /** Builds the next request; called right before it is sent. */
  next: () => { path: string; body?: string; headers?: Record<string, string> };
  durationSeconds?: number;
  amount?: number;
  connections?: number;
  /** Measure without printing (a warm-up). */
  quiet?: boolean;
}

/**
 * Runs one autocannon scenario and prints p50/p95/p99 and requests/s. autocannon
 * reports p90 and p97.5 but not p95, so each request is timed from its
 * setupRequest to its onResponse (one request in flight per connection).
 */
export async function runScenario(baseUrl: string, s: Scenario) {
  const latencies: number[] = [];
  const result = await autocannon({
    url: baseUrl,
    connections: s.connections ?? 10,
    pipelining: 1,
    ...(s.amount ? { amount: s.amount } : { duration: s.durationSeconds ?? Number(process.env.BENCH_SECONDS ?? 10) }),
    requests: [
      {
        method: s.method ?? "POST",
        setupRequest: (req, context) => {
          const r = s.next();
          (context as Timing).t0 = performance.now();
          return {
            ...req,
            path: r.path,
            body: r.body,
            headers: { "content-type": "application/json", ...r.headers },
          };
        },
        onResponse: (_status, _body, context) => {
          latencies.push(performance.now() - ((context as Timing).t0 ?? performance.now()));
        },
      },
    ],
  });
  const p = percentiles(latencies);
  const errors = result.errors + result.non2xx;
  if (!s.quiet)
    console.log(
      `${s.name.padEnd(30)} p50 ${p.p50.toFixed(2).padStart(7)} ms   p95 ${p.p95.toFixed(2).padStart(7)} ms   p99 ${p.p99
        .toFixed(2)
        .padStart(7)} ms   ${result.requests.average.toFixed(0).padStart(6)} req/s   ${p.n} requests${
        errors ? `, ${errors} errors/non-2xx` : ""
      }${s.target ? `   (target ${s.target})` : ""}`,
    );
  return { ...p, rps: result.requests.average, errors, latencies, seconds: result.duration };
}
