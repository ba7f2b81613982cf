#!/usr/bin/env bash
# Side-by-side, in one run: `gymrec record` against the `ffmpeg` command-line
# tool encoding the same raw frames with the same settings, (a) both with one
# encoder thread and (b) each with its default threads; then gymrec's peak
# memory for a 500- and a 5,000-step episode.
#
#   benches/record_vs_ffmpeg.sh [rounds]      (default 5 rounds; at least 3)
#
# Each round runs the four commands in turn (gymrec 1 thread, ffmpeg 1
# thread, gymrec default, ffmpeg default), so slow spells of a shared machine
# hit every side alike; the table shows medians over the rounds.
#
# Workload: CartPole-v1, 10 episodes x 500 steps with the heuristic policy
# (balances to the limit), every episode recorded: 5,010 frames of 600x400
# at 50 fps. Both sides: libx264 veryfast, CRF 23, yuv420p, a keyframe every
# 50 frames, fragmented MP4. ffmpeg reads the frames (dumped once beforehand
# by examples/dump_frames.rs) from /dev/shm, so it pays no rendering; gymrec
# renders every frame itself. "default threads" is what each does with no
# thread option: gymrec's EncoderSettings default (available_parallelism - 1,
# at least 1), ffmpeg's libx264 auto (x264 picks 1.5 x cores).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
[ "$rounds" -ge 1 ] || { echo "rounds must be at least 1" >&2; exit 1; }

scripts/deps.sh
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cargo build --release --locked --quiet --bin gymrec --example dump_frames
bin=target/release/gymrec
work=$(mktemp -d /dev/shm/gymrec-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

target/release/examples/dump_frames CartPole-v1 10 500 > "$work/frames.rgb" 2> "$work/dump.log"
frames=$(awk '{print $1}' "$work/dump.log")

# Prints "seconds max_rss_kib cpu_seconds" for a command.
measure() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || {
    cat "$work/stderr" >&2; exit 1; }
  awk '{print $1, $2, $3 + $4}' "$work/time"
}

# gymrec_run OUT [--threads N]
gymrec_run() {
  local out=$1; shift
  measure "$bin" record --env CartPole-v1 --episodes 10 --max-episode-steps 500 \
    --policy heuristic --trigger all --preset veryfast --crf 23 "$@" \
    --out "$work/$out" --overwrite --quiet
}
# ffmpeg_run OUT [-threads N]
ffmpeg_run() {
  local out=$1; shift
  measure ffmpeg -nostdin -loglevel error -y -f rawvideo -pix_fmt rgb24 -s 600x400 -r 50 \
    -i "$work/frames.rgb" -c:v libx264 -preset veryfast -crf 23 "$@" -pix_fmt yuv420p \
    -g 50 -movflags frag_keyframe+empty_moov+default_base_moof -flush_packets 1 "$work/$out.mp4"
}

declare -A t m c
sides=(g1 f1 gd fd)
for r in $(seq "$rounds"); do
  for s in "${sides[@]}"; do
    case $s in
      g1) line=$(gymrec_run g1 --threads 1) ;;
      f1) line=$(ffmpeg_run f1 -threads 1) ;;
      gd) line=$(gymrec_run gd) ;;
      fd) line=$(ffmpeg_run fd) ;;
    esac
    read -r ts ms cs <<< "$line"
    t[$s]+="$ts "; m[$s]+="$ms "; c[$s]+="$cs "
  done
done

calc() { awk "BEGIN { print $1 }"; }
# shellcheck disable=SC2086
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
bytes() { if [ -d "$work/$1" ]; then cat "$work/$1"/*.mp4 | wc -c; else wc -c < "$work/$1.mp4"; fi; }

echo "CartPole-v1, 10 x 500 steps, every episode recorded: $frames frames 600x400 @ 50 fps"
echo "libx264 veryfast crf 23, yuv420p, keyframe every 50 frames; medians of $rounds rounds; $(nproc) cores"
printf '%-34s %8s %8s %9s %10s %10s\n' "" "seconds" "fps" "CPU s" "peak RSS" "bytes"
for s in "${sides[@]}"; do
  case $s in
    g1) name="gymrec record, --threads 1" ;;
    f1) name="ffmpeg (raw frames), -threads 1" ;;
    gd) name="gymrec record, default threads" ;;
    fd) name="ffmpeg (raw frames), default" ;;
  esac
  ts=$(median "${t[$s]}"); ms=$(median "${m[$s]}"); cs=$(median "${c[$s]}")
  printf '%-34s %8.2f %8.0f %9.2f %6.1f MiB %10d\n' "$name" "$ts" "$(calc "$frames/$ts")" \
    "$cs" "$(calc "$ms/1024")" "$(bytes "$s")"
  declare "med_$s=$ts"
done
printf 'throughput ratio gymrec/ffmpeg: (a) 1 thread each %.2f (goal >= 1.5), (b) default threads %.2f (goal >= 1.3)\n' \
  "$(calc "$med_f1/$med_g1")" "$(calc "$med_fd/$med_gd")"

# Memory against episode length: one episode of 500 and of 5,000 steps.
rss_for() {
  read -r _ mm _ < <(measure "$bin" record --env CartPole-v1 --episodes 1 --policy heuristic \
    --trigger all --max-episode-steps "$1" --out "$work/rss$1" --overwrite --quiet)
  echo "$mm"
}
rss500=$(rss_for 500); rss5000=$(rss_for 5000)
printf 'gymrec peak RSS, one episode: 500 steps %.1f MiB, 5000 steps %.1f MiB\n' \
  "$(calc "$rss500/1024")" "$(calc "$rss5000/1024")"
