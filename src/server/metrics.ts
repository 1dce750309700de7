import client from "prom-client";

/**
 * Prometheus metrics. One registry per process, kept on globalThis so that
 * Next's dev reloads don't register the same metric twice.
 */
function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new client.Counter({
      name: "cs_requests_total",
      help: "API requests by procedure and result code",
      labelNames: ["procedure", "code"] as const,
      registers: [registry],
    }),
    latency: new client.Histogram({
      name: "cs_request_duration_seconds",
      help: "API request latency by procedure",
      labelNames: ["procedure"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    heartbeats: new client.Counter({
      name: "cs_heartbeats_total",
      help: "Agent heartbeats received",
      registers: [registry],
    }),
    nodesByStatus: new client.Gauge({
      name: "cs_nodes",
      help: "Registered nodes by status (sampled at scrape time)",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    jobTransitions: new client.Counter({
      name: "cs_job_transitions_total",
      help: "Job state changes by new status",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    paymentVerifications: new client.Counter({
      name: "cs_payment_verifications_total",
      help: "x402 payment verifications at submission by outcome (valid, invalid, unavailable)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    paymentVerifyLatency: new client.Histogram({
      name: "cs_payment_verify_duration_seconds",
      help: "Payment verification latency at submission (checks, ledger, facilitator)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    settlements: new client.Counter({
      name: "cs_settlements_total",
      help: "Settlement attempts by outcome (confirmed, recovered, retry, failed, voided)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    settlementLatency: new client.Histogram({
      name: "cs_settlement_delay_seconds",
      help: "From a billable job's completion to its payment confirmed on chain",
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const store = globalThis as unknown as { __csMetrics?: Metrics };
export function getMetrics(): Metrics {
  store.__csMetrics ??= createMetrics();
  return store.__csMetrics;
}
