export default function Home() {
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">ComputeSwarm</h1>
      <p className="mt-3 text-slate-600">
        A marketplace for GPU compute: sellers run an agent on their GPU machines, buyers pay per job in USDC with x402.
      </p>
      <ul className="mt-6 list-disc pl-6 text-sm text-slate-700">
        <li>
          <a className="text-indigo-600 underline" href="/api/health">/api/health</a> — database, Redis and migrations
        </li>
        <li>
          <a className="text-indigo-600 underline" href="/api/metrics">/api/metrics</a> — Prometheus metrics
        </li>
      </ul>
    </main>
  );
}
