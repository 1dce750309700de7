import type { GpuInfo } from "@computeswarm/protocol";
import { runCommand } from "../util/run-command";

export type Benchmark = NonNullable<GpuInfo["benchmark"]>;

/**
 * A bf16 matmul on GPU 0: a few warm-up runs, then timed runs between CUDA
 * synchronisations. 2*n^3 floating point operations per n x n matmul. It prints
 * one JSON line: either {"tflops": ...} or {"skipped": "<reason>"}.
 */
export const BENCHMARK_SCRIPT = String.raw`
import json, sys, time
try:
    import torch
except Exception:
    print(json.dumps({"skipped": "PyTorch not installed"})); sys.exit(0)
if not torch.cuda.is_available():
    print(json.dumps({"skipped": "no CUDA device"})); sys.exit(0)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
warmup, iters = 5, 30
a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
for _ in range(warmup):
    c = a @ b
torch.cuda.synchronize()
t0 = time.perf_counter()
for _ in range(iters):
    c = a @ b
torch.cuda.synchronize()
dt = time.perf_counter() - t0
print(json.dumps({"tflops": 2 * n ** 3 * iters / dt / 1e12, "dtype": "bf16", "device": torch.cuda.get_device_name(0), "torch": torch.__version__}))
`;

/** Reads the last JSON line the benchmark script printed. */
export function parseBenchmarkOutput(stdout: string): Benchmark {
  const lines = stdout.trim().split(/\r?\n/).reverse();
  for (const line of lines) {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      continue;
    }
    if (!data || typeof data !== "object") continue;
    const d = data as { tflops?: unknown; skipped?: unknown; dtype?: unknown };
    if (typeof d.skipped === "string") return { tflops: null, skippedReason: d.skipped.slice(0, 300) };
    if (typeof d.tflops === "number" && Number.isFinite(d.tflops) && d.tflops >= 0) {
      return {
        tflops: Math.round(d.tflops * 10) / 10,
        dtype: typeof d.dtype === "string" ? d.dtype.slice(0, 20) : "bf16",
      };
    }
  }
  return { tflops: null, skippedReason: "benchmark printed no result" };
}

export async function runBenchmark(
  opts: { python?: string; size?: number; timeoutMs?: number } = {},
): Promise<Benchmark> {
  const python = opts.python ?? "python3";
  const result = await runCommand(python, ["-c", BENCHMARK_SCRIPT, String(opts.size ?? 8192)], {
    timeoutMs: opts.timeoutMs ?? 180_000,
  });
  if (result.notFound) return { tflops: null, skippedReason: "python3 not found" };
  if (!result.ok) {
    const last = result.stderr.trim().split("\n").pop() ?? "";
    return { tflops: null, skippedReason: `benchmark failed: ${last || `exit code ${result.exitCode}`}`.slice(0, 300) };
  }
  return parseBenchmarkOutput(result.stdout);
}
