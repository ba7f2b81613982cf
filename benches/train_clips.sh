#!/usr/bin/env bash
# Side by side, in one run: how much longer `examples/train_clips.rs` takes
# with its clips than without (issue 11: goal at most 2.5x), and how close
# the run comes to the CPU it needs.
#
#   benches/train_clips.sh [rounds]      (default 5 rounds; at least 1)
#
# Each round runs, in turn:
#   clips     train_clips -q                       (a clip every 40 episodes, x264 veryfast)
#   ultrafast train_clips -q --preset ultrafast    (the same clips, x264 ultrafast)
#   none      train_clips -q --frequency 100000    (only the final episode's clip)
# each in a fresh folder under /dev/shm, so slow spells of a shared machine
# hit every side alike; the table shows medians over the rounds. "floor" is
# the run's CPU time (user + system) over the machine's cores: no schedule
# of the same work can finish sooner.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
[ "$rounds" -ge 1 ] || { echo "rounds must be at least 1" >&2; exit 1; }

scripts/deps.sh
[ -x /usr/bin/time ] || {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends time
}
cargo build --release --locked --quiet --example train_clips
bin=$PWD/target/release/examples/train_clips
work=$(mktemp -d /dev/shm/gymrec-train-clips.XXXXXX)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

# run SIDE ARGS...: prints "wall_seconds cpu_seconds frames" for one run.
run() {
  local side=$1; shift
  local dir
  dir=$(mktemp -d "$work/$side.XXXX")
  (cd "$dir" && /usr/bin/time -f "%e %U %S" -o time "$bin" -q "$@" > out 2> err) || {
    cat "$dir/err" >&2; exit 1; }
  # The clip table's lines end in "<n> frames".
  local frames
  frames=$(awk '$NF == "frames" { n += $(NF - 1) } END { print n + 0 }' "$dir/out")
  awk -v f="$frames" '{ print $1, $2 + $3, f }' "$dir/time"
  rm -rf "$dir"
}

declare -A wall cpu frames
sides=(clips ultrafast none)
for r in $(seq "$rounds"); do
  for s in "${sides[@]}"; do
    case $s in
      clips) line=$(run clips) ;;
      ultrafast) line=$(run ultrafast --preset ultrafast) ;;
      none) line=$(run none --frequency 100000) ;;
    esac
    read -r w c f <<< "$line"
    wall[$s]+="$w "; cpu[$s]+="$c "; frames[$s]=$f
    echo "round $r $s: ${w} s wall, ${c} s CPU, $f frames" >&2
  done
done

median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{ a[NR] = $1 } END {
  print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

base=$(median "${wall[none]}")
printf '\ntrain_clips, %s rounds, %s cores, load average %s at the end\n' \
  "$rounds" "$cores" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %8s %8s %8s %8s %8s\n' side frames "wall s" "CPU s" "floor s" "x none"
for s in "${sides[@]}"; do
  w=$(median "${wall[$s]}"); c=$(median "${cpu[$s]}")
  printf '%-10s %8s %8s %8s %8s %8s\n' "$s" "${frames[$s]}" "$w" "$c" \
    "$(calc "$c / $cores")" "$(calc "$w / $base")"
done
printf 'goal: clips at most 2.50 x none\n'
