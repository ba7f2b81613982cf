#!/usr/bin/env bash
# Side-by-side, in one run: `gymrec record` against the `ffmpeg` command-line
# tool encoding the same raw frames with the same settings, and gymrec's peak
# memory for a 500- and a 5,000-step episode.
#
#   benches/record_vs_ffmpeg.sh [rounds]      (default 5 rounds, alternating A B A B)
#
# Workload: CartPole-v1, 10 episodes x 500 steps with the heuristic policy
# (balances to the limit), every episode recorded: 5,010 frames of 600x400
# at 50 fps. Both sides: libx264 veryfast, CRF 23, yuv420p, 1 encoder thread,
# a keyframe every 50 frames, fragmented MP4. ffmpeg reads the frames
# (dumped once beforehand by examples/dump_frames.rs) from /dev/shm, so it
# pays no rendering; gymrec renders every frame itself.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}

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

target/release/examples/dump_frames CartPole-v1 10 > "$work/frames.rgb" 2> "$work/dump.log"
frames=$(awk '{print $1}' "$work/dump.log")

# Prints "seconds max_rss_kib" for a command.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || {
    cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}

gymrec_run() {
  measure "$bin" record --env CartPole-v1 --episodes 10 --policy heuristic --trigger all \
    --preset veryfast --crf 23 --threads 1 --out "$work/gymrec" --overwrite --quiet
}
ffmpeg_run() {
  measure ffmpeg -nostdin -loglevel error -y -f rawvideo -pix_fmt rgb24 -s 600x400 -r 50 \
    -i "$work/frames.rgb" -c:v libx264 -preset veryfast -crf 23 -threads 1 -pix_fmt yuv420p \
    -g 50 -movflags frag_keyframe+empty_moov+default_base_moof -flush_packets 1 "$work/ffmpeg.mp4"
}

g_times=(); f_times=(); g_rss=(); f_rss=()
for r in $(seq "$rounds"); do
  read -r t m < <(gymrec_run); g_times+=("$t"); g_rss+=("$m")
  read -r t m < <(ffmpeg_run); f_times+=("$t"); f_rss+=("$m")
done

calc() { awk "BEGIN { print $1 }"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
gt=$(median "${g_times[@]}"); ft=$(median "${f_times[@]}")
gm=$(median "${g_rss[@]}"); fm=$(median "${f_rss[@]}")
gbytes=$(cat "$work"/gymrec/*.mp4 | wc -c); fbytes=$(wc -c < "$work/ffmpeg.mp4")

# Memory against episode length: one episode of 500 and of 5,000 steps.
rss_for() {
  read -r _ m < <(measure "$bin" record --env CartPole-v1 --episodes 1 --policy heuristic \
    --trigger all --max-episode-steps "$1" --out "$work/rss$1" --overwrite --quiet)
  echo "$m"
}
rss500=$(rss_for 500); rss5000=$(rss_for 5000)

echo "CartPole-v1, 10 x 500 steps, every episode recorded: $frames frames 600x400 @ 50 fps"
echo "libx264 veryfast crf 23, 1 thread; median of $rounds alternating rounds; $(nproc) cores"
printf '%-22s %10s %10s %12s %12s\n' "" "seconds" "fps" "peak RSS" "bytes"
printf '%-22s %10.2f %10.0f %9.1f MiB %12d\n' "gymrec record" "$gt" "$(calc "$frames/$gt")" "$(calc "$gm/1024")" "$gbytes"
printf '%-22s %10.2f %10.0f %9.1f MiB %12d\n' "ffmpeg (raw frames)" "$ft" "$(calc "$frames/$ft")" "$(calc "$fm/1024")" "$fbytes"
printf 'throughput ratio gymrec/ffmpeg: %.2f\n' "$(calc "$ft/$gt")"
printf 'gymrec peak RSS, one episode: 500 steps %.1f MiB, 5000 steps %.1f MiB\n' \
  "$(calc "$rss500/1024")" "$(calc "$rss5000/1024")"
