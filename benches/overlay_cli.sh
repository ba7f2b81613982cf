#!/usr/bin/env bash
# End-to-end cost of overlays in `gymrec record`: runs the release binary
# with and without --overlay, alternating, and prints the median wall and
# CPU time of each and the overlay's cost in percent (goal: at most 10%).
#
#   benches/overlay_cli.sh [RUNS] [extra gymrec record args...]
#   benches/overlay_cli.sh 7 --format gif
#   OVERLAY="--overlay --overlay-text 'PPO seed 3'" benches/overlay_cli.sh
#
# Default: 7 runs each of 4 CartPole-v1 episodes (heuristic policy, 500
# steps each, every episode recorded: 2,004 frames of 600x400).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
shift || true
cargo build --release --quiet --bin gymrec
bin=target/release/gymrec
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints the run's wall time and CPU time (user + system, all threads) in
# seconds. CPU time is the steadier measure on a busy machine: when the
# encoder thread is the bottleneck, throughput follows it.
run() {
  local TIMEFORMAT='%R %U %S'
  { time "$bin" record --env CartPole-v1 --episodes 4 --policy heuristic --trigger all \
      --quiet --no-gallery --overwrite --out "$out" "$@" >/dev/null; } 2>&1 |
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

plain=()
overlay=()
for _ in $(seq "$runs"); do
  plain+=("$(run "$@")")
  # shellcheck disable=SC2086 # OVERLAY is a list of arguments
  eval "overlay_args=(${OVERLAY:---overlay})"
  overlay+=("$(run "${overlay_args[@]}" "$@")")
done
report() {
  local col=$1 what=$2 p o
  p=$(printf '%s\n' "${plain[@]}" | awk -v c="$col" '{print $c}' | median)
  o=$(printf '%s\n' "${overlay[@]}" | awk -v c="$col" '{print $c}' | median)
  awk -v p="$p" -v o="$o" -v w="$what" \
    'BEGIN {printf "%-5s median: plain %.3f s, overlay %.3f s, overlay cost %+.1f%%\n", w, p, o, (o - p) / p * 100}'
}
report 1 wall
report 2 cpu
