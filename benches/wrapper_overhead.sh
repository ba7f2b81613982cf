#!/usr/bin/env bash
# What a RecordingWrapper that is not recording adds to a step: runs the
# criterion benches `wrapper_overhead/{bare,wrapped_not_recording}` (1,000
# CartPole-v1 steps through `make()`, bare and wrapped) and
# `wrapper_overhead/typed_{bare,wrapped_not_recording}` (the same with the
# typed CartPole) as separate processes, alternating which goes first, and
# prints each round's medians, the overhead per round, and the median
# overhead of each pair (goal: at most 5%). Then, when valgrind is installed,
# counts the instructions per step of `benches/step_loop.rs` under
# callgrind, bare and wrapped, through `make()` and for the typed CartPole:
# exact figures, where timings drift.
#
#   benches/wrapper_overhead.sh [ROUNDS]      (default 5 rounds, ~10 s each)
#
# One criterion run measures bare, then wrapped; on a shared machine the
# load drifts between the two by more than the overhead. Alternating rounds
# and taking the median of the per-round ratios cancels most of that drift.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cargo bench --bench record --no-run --quiet 2>/dev/null
criterion=target/criterion/wrapper_overhead

# Runs one bench and prints its median time per 1,000 steps in µs.
measure() {
  # A failed run must not leave an earlier run's figures to be read.
  rm -f "$criterion/$1/new/estimates.json"
  cargo bench --quiet --bench record -- --exact "wrapper_overhead/$1" >/dev/null 2>&1 ||
    { echo "cargo bench --bench record -- wrapper_overhead/$1 failed" >&2; return 1; }
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1000))' \
    "$criterion/$1/new/estimates.json"
}

# Runs ROUNDS alternating rounds of the pair "$1" (bare) / "$2" (wrapped).
compare() {
  local round bare wrapped overhead overheads=()
  printf '%-6s %14s %14s %9s\n' round "$1 µs" "wrapped µs" overhead
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then
      bare=$(measure "$1"); wrapped=$(measure "$2")
    else
      wrapped=$(measure "$2"); bare=$(measure "$1")
    fi
    overhead=$(awk -v b="$bare" -v w="$wrapped" 'BEGIN {printf "%+.1f", (w - b) / b * 100}')
    overheads+=("$overhead")
    printf '%-6s %14s %14s %8s%%\n' "$round" "$bare" "$wrapped" "$overhead"
  done
  printf '%s\n' "${overheads[@]}" | sort -g |
    awk -v what="$3" '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%s: median overhead over %d rounds %+.1f%% (goal: at most +5%%)\n\n", what, NR, m}'
}
compare bare wrapped_not_recording "CartPole-v1 through make()"
compare typed_bare typed_wrapped_not_recording "typed CartPole"

command -v valgrind >/dev/null || { echo "valgrind not installed: no instruction counts"; exit 0; }
loop=$(cargo bench --bench step_loop --no-run 2>&1 | grep -o 'target/release/deps/step_loop-[0-9a-f]*' | head -1)
# Instructions of a whole run of N steps; the difference between two step
# counts cancels start-up (dynamic linking, FFmpeg's constructors).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$loop" "$1" "$2" 2>&1 |
    awk '/Collected/ {print $NF}'
}
per_step() {
  local short long
  short=$(instructions "$1" 1000)
  long=$(instructions "$1" 101000)
  echo $(( (long - short) / 100000 ))
}
printf '%-28s %8s %8s %9s\n' "instructions per step" bare wrapped overhead
for kind in "" typed-; do
  bare=$(per_step "${kind}bare")
  wrapped=$(per_step "${kind}wrapped")
  label=$([[ -z $kind ]] && echo "CartPole-v1 through make()" || echo "typed CartPole")
  awk -v l="$label" -v b="$bare" -v w="$wrapped" \
    'BEGIN {printf "%-28s %8d %8d %+8.1f%%\n", l, b, w, (w - b) / b * 100}'
done
