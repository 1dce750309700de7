#!/usr/bin/env bash
# GPU passthrough proof for the agent's bwrap sandbox, for an NVIDIA host that
# has Python with PyTorch but no Node.js and no Docker (e.g. the H200 of
# ../shared/fixtures). Two steps:
#
#   here:      scripts/gpu-proof.sh bundle /tmp/gpu-proof.tar.gz
#              (builds the agent; packs it with this machine's node binary,
#              a bwrap fallback with its libraries, the job, and this script)
#   GPU host:  tar xzf gpu-proof.tar.gz && cd gpu-proof && ./gpu-proof.sh run
#
# `run` prints `computeswarm-agent doctor` (sandbox + self-test), then runs a
# torch bf16 matmul on the GPU as a job through the agent (`try`, the same
# executor, self-test and sandbox a buyer's job gets: uid 65534, no network,
# only the node's /dev/nvidia* and /sys read-only), and reports its output.
# Exit 0 only if the job saw CUDA and the matmul result checked out.
# Python with torch must be readable by uid 65534 (e.g. /usr, /opt/conda; not
# under /root) when run as root; set PATH so `python3` is that interpreter.
set -euo pipefail

cmd="${1:-}"
case "$cmd" in
bundle)
  out="${2:?usage: $0 bundle OUT.tar.gz}"
  repo="$(cd "$(dirname "$0")/.." && pwd)"
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  dir="$stage/gpu-proof"
  mkdir -p "$dir/bin" "$dir/lib"
  (cd "$repo" && npm run build -w agent >/dev/null)
  cp "$repo/agent/dist/cli.js" "$dir/cli.js"
  cp "$(readlink -f "$(command -v node)")" "$dir/bin/node"
  cp "$0" "$dir/gpu-proof.sh"
  if command -v bwrap >/dev/null 2>&1; then
    # Fallback for a host without bubblewrap: the binary and its libraries (not libc/ld.so).
    cp "$(command -v bwrap)" "$dir/lib/bwrap.real"
    for lib in $(ldd "$(command -v bwrap)" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
      case "$(basename "$lib")" in libc.so* | ld-linux*) ;; *) cp -L "$lib" "$dir/lib/" ;; esac
    done
  fi
  cat >"$dir/matmul.py" <<'PY'
import time
import torch
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), flush=True)
assert torch.cuda.is_available(), "no CUDA device inside the sandbox"
print("devices", torch.cuda.device_count(), torch.cuda.get_device_name(0), flush=True)
n = 8192
a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
(a @ b).sum().item()
torch.cuda.synchronize()
t = time.perf_counter()
for _ in range(20):
    c = a @ b
torch.cuda.synchronize()
dt = time.perf_counter() - t
print(f"matmul {n}x{n} bf16: {20 * 2 * n**3 / dt / 1e12:.1f} TFLOPS", flush=True)
ref = (a[:64].float() @ b[:, :64].float())
err = (c[:64, :64].float() - ref).abs().max().item()
print(f"max abs error vs fp32 on a 64x64 block: {err:.3f}", flush=True)
assert err < 2.0, "matmul result is wrong"
print("MATMUL_OK", flush=True)
PY
  tar -C "$stage" -czf "$out" gpu-proof
  echo "wrote $out ($(du -h "$out" | cut -f1)); on the GPU host: tar xzf $(basename "$out") && cd gpu-proof && ./gpu-proof.sh run"
  ;;
run)
  here="$(cd "$(dirname "$0")" && pwd)"
  export PATH="$here/bin:$PATH"
  if ! command -v bwrap >/dev/null 2>&1 && [ -x "$here/lib/bwrap.real" ]; then
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/lib exec %s/lib/bwrap.real "$@"\n' "$here" "$here" >"$here/bin/bwrap"
    chmod +x "$here/bin/bwrap"
    echo "using the bundled bwrap (install bubblewrap to use the system's)"
  fi
  nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader || {
    echo "nvidia-smi failed: not an NVIDIA host?" >&2
    exit 1
  }
  python3 -c 'import torch; print("host torch", torch.__version__, "cuda", torch.cuda.is_available())'
  config="$(mktemp -d)/agent.json"
  echo "=== doctor ==="
  node "$here/cli.js" doctor --config "$config" --executor bwrap || true
  echo "=== torch matmul job in the bwrap sandbox ==="
  result="$(node "$here/cli.js" try "$here/matmul.py" --config "$config" --executor bwrap)" || true
  echo "$result"
  if echo "$result" | grep -q MATMUL_OK; then
    echo "GPU PROOF: PASSED"
  else
    echo "GPU PROOF: FAILED" >&2
    exit 1
  fi
  ;;
*)
  echo "usage: $0 bundle OUT.tar.gz | run" >&2
  exit 2
  ;;
esac
