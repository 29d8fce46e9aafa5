#!/usr/bin/env bash
# Issue 24's single-stream comparison, in rounds: one request of 16 prompt and 256 output tokens on
# float32, bfloat16 and int8 weights, back to back, then (optionally) llama.cpp's float32 decode rate
# on the same weights. Each line shows the --profile step phases in ms, the intra-op threads of a
# one-token step [n], the engine's resident memory (and the KV cache's part of it) and output tok/s;
# a round ends with each dtype's ratio to float32 and float32's to llama.cpp.
#
# usage: tools/single-stream-rounds.sh MODEL [ROUNDS]
#   MODEL   a BF16 checkpoint, e.g. ./flinfer model synth --preset llama-110m --out /tmp/llama-110m --dtype bf16
#   ROUNDS  default 3
# LLAMA_BENCH and GGUF (llama.cpp's llama-bench and the same weights as an F32 GGUF, made with the
# converters in ../shared/peers; see docs/BENCHMARKS.md) add `llama-bench -p 0 -n 128 -t 2` to each round.
#
# On a shared machine one process's figures move by 10-20% from the next's, so compare within a
# round, and over several rounds.
set -euo pipefail

MODEL="${1:?usage: $0 MODEL [ROUNDS]}"
ROUNDS="${2:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One dtype's run: "<step phases> [threads] +<MB>, <MB> KV <tok/s>"; its tok/s is the last field. A
# failed run prints the bench's output and stops the rounds.
run() {
  local log
  log="$(mktemp)"
  if ! "$ROOT/flinfer" bench throughput --model "$MODEL" "$@" --num-prompts 1 --input-len 16 --output-len 256 \
      --mode continuous --kv-cache-memory 256MiB --max-model-len 2048 --profile > "$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  grep -E "intra-op|step profile|^output tokens/s|resident" "$log" | tr '\n' ' ' \
    | sed -e 's/step profile (continuous): [0-9]* steps; ms per step: //' -e 's/output tokens\/s *//' \
          -e 's/intra-op threads by step size: 1 token: \([0-9]\).*threads)/[\1]/' \
          -e 's/resident memory: [0-9,]* MB at the end of the run, //' \
          -e 's/ over the process before the engine loaded//' -e 's/ of it the KV cache/ KV/'
  rm -f "$log"
}

for ((r = 1; r <= ROUNDS; r++)); do
  f32=$(run --dtype float32)
  echo "$(date -u +%H:%M:%S) float32:  $f32"
  bf16=$(run --dtype bfloat16)
  echo "$(date -u +%H:%M:%S) bfloat16: $bf16"
  int8=$(run --dtype bfloat16 --quantization int8)
  echo "$(date -u +%H:%M:%S) int8:     $int8"
  base=$(awk '{print $NF}' <<< "$f32")
  ratios="bfloat16 $(awk -v b="$base" '{printf "%.2fx", $NF / b}' <<< "$bf16"), int8 $(awk -v b="$base" '{printf "%.2fx", $NF / b}' <<< "$int8") float32"
  if [[ -n "${LLAMA_BENCH:-}" && -n "${GGUF:-}" ]]; then
    peer=$("$LLAMA_BENCH" -m "$GGUF" -p 0 -n 128 -t 2 2>&1 | grep tg128 | awk -F'|' '{print $(NF-1)}' | awk '{print $1}')
    echo "$(date -u +%H:%M:%S) llama.cpp F32 tg128 -t 2: $peer"
    ratios="$ratios; float32 $(awk -v p="$peer" -v b="$base" 'BEGIN {printf "%.2fx", b / p}') llama.cpp"
  fi
  echo "round $r: $ratios"
done
