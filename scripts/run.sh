#!/usr/bin/env bash
# The main job: installs what the build needs, then records evaluation videos
# of CartPole-v1 driven by the built-in controller into ./videos.
# Extra arguments go to `gymrec record` (see `gymrec record --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo run --locked --release -- record --env CartPole-v1 --episodes 10 \
  --policy heuristic --trigger all --out videos --overwrite "$@"
