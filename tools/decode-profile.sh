#!/usr/bin/env bash
# Where a one-sequence decode step's time goes, by CPU samples (Linux perf), per engine thread.
#
# usage: tools/decode-profile.sh MODEL [bench throughput options...]
#   e.g. tools/decode-profile.sh /tmp/models/llama-110m --dtype float32
#        tools/decode-profile.sh /tmp/models/llama-110m --dtype bfloat16 --quantization int8
#
# Runs `flinfer bench throughput` on one request (16 prompt tokens, 1024 output tokens) under
# `perf record`, then counts the samples of the first 256 decode steps (the window is placed from the
# run's last tensor-thread sample and the bench's own time per step) by thread and by what ran:
#   kernels      code generated at run time that is not Java's: oneDNN's and fbgemm's products
#   Java         the engine's Java side (the JVM writes its symbols for perf at exit)
#   OpenMP wait  libgomp: a thread waiting for the other at a parallel region's start or end
#   interpreter  TorchScript's interpreter and the operator dispatcher
#   ATen ops     every other operator's own code in libtorch (norms, views, gathers, conversions)
#   oneDNN calls oneDNN's per-call set-up (descriptors, primitive cache look-ups)
#   MKL gemm     MKL's small products inside the attention kernel
#   malloc/free, memmove/memset, other
# The tensor thread is the OpenMP master; its team's workers carry its name. The samples are CPU
# time, so a thread that is descheduled counts nothing: run on a quiet machine.
# Needs perf (kernel.perf_event_paranoid <= 1, or root). PERF_OUT keeps the files (default: a temp dir).
set -euo pipefail

MODEL="${1:?usage: $0 MODEL [bench throughput options...]}"
shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${PERF_OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "perf is not installed (linux-perf / linux-tools)" >&2; exit 1; }

FLINFER_JAVA_OPTS="${FLINFER_JAVA_OPTS:--Xmx4g} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" \
  perf record -F 1999 -o "$OUT/perf.data" -- "$ROOT/flinfer" bench throughput --model "$MODEL" \
    --num-prompts 1 --input-len 16 --output-len 1024 --mode continuous --kv-cache-memory 256MiB \
    --max-model-len 2048 --profile "$@" > "$OUT/bench.log" 2>&1 \
  || { cat "$OUT/bench.log" >&2; exit 1; }
perf script -i "$OUT/perf.data" -F comm,tid,time,ip,sym,dso 2>/dev/null > "$OUT/samples.txt"

grep -E "machine limits|output tokens/s|step profile" "$OUT/bench.log" | head -3
step_ms=$(grep -oE 'total [0-9.]+$' "$OUT/bench.log" | awk '{print $2}')
# Fields: comm tid time: ip sym (dso). A Java frame resolves from the JVM's perf map; code generated
# by oneDNN or fbgemm stays unresolved in that map ([unknown]).
awk -v step_ms="$step_ms" '
  NR == FNR { if ($1 == "flinfer-tensors") last = $3 + 0; next }
  FNR == 1 { start = last - 1024 * step_ms / 1000; stop = start + 256 * step_ms / 1000 }
  { t = $3 + 0; if (t < start || t > stop || $1 != "flinfer-tensors") next
    what = "other"
    if ($0 ~ /perf-[0-9]+\.map/) what = ($0 ~ /\[unknown\]/) ? "kernels" : "Java"
    else if ($0 ~ /libgomp/) what = "OpenMP wait"
    else if ($0 ~ /sgemm|gemm_bf16/) what = "MKL gemm"
    else if ($0 ~ /malloc|_int_free|cfree|memalign|unlink_chunk/) what = "malloc/free"
    else if ($0 ~ /memmove|memcpy|memset/) what = "memmove/memset"
    else if ($0 ~ /dnnl|ideep/) what = "oneDNN calls"
    else if ($0 ~ /torch::jit|IValue|Dispatcher|OperatorEntry|boxed/) what = "interpreter"
    else if ($0 ~ /libjvm/) what = "Java"
    else if ($0 ~ /libtorch_cpu|libc10/) what = "ATen ops"
    total[$2]++; count[$2 SUBSEP what]++; kinds[what] = 1 }
  END {
    printf "first 256 decode steps: %.2f s at %.2f ms a step; share of each thread'"'"'s samples\n", stop - start, step_ms
    printf "%-16s", "thread"; for (k in kinds) printf " %14s", k; printf "\n"
    for (tid in total) {
      if (total[tid] < 0.2 * (stop - start) * 1999) continue  # not a busy thread of the team
      printf "%-16s", tid; for (k in kinds) printf " %13.1f%%", 100 * count[tid SUBSEP k] / total[tid]; printf "\n"
    }
  }' "$OUT/samples.txt" "$OUT/samples.txt"
echo "(perf data, samples and the bench log: $OUT)"
