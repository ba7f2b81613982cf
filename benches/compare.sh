#!/usr/bin/env bash
# Side-by-side benchmark: gymrec vs Gymnasium's RecordVideo vs the ffmpeg CLI.
# Builds gymrec (release) and a Python venv with pinned Gymnasium, then runs
# benches/compare.py. See docs/BENCHMARKS.md.
#
#   benches/compare.sh [rounds]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if ! command -v ffmpeg >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends ffmpeg python3-venv
fi
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "gymnasium[classic-control,other]==1.4.0" "moviepy==2.2.1" "numpy==2.4.6" "pygame-ce==2.5.8"
fi
cargo build --release --locked --quiet --bin gymrec --example dump_frames
"$venv/bin/python" benches/compare.py "$@"
