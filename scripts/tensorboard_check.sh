#!/usr/bin/env bash
# Checks gymrec's TensorBoard output with TensorBoard itself: makes (once)
# the venv .venv-tensorboard with the pinned tensorboard==2.21.0 and Pillow
# (scripts/tensorboard-requirements.txt), trains a short CEM run with
# examples/train_clips.rs and records CartPole with `gymrec record
# --tensorboard`, then runs scripts/tensorboard_check.py on both
# (strict record reader, EventAccumulator against the SQLite metrics
# store, GIFs decoded by Pillow, hparams and text).
#   scripts/tensorboard_check.sh              everything (about a minute once built)
#   scripts/tensorboard_check.sh --venv-only  just make the venv
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-tensorboard
. scripts/venv.sh
ensure_venv "$venv" scripts/tensorboard-requirements.txt
[ "${1:-}" = "--venv-only" ] && exit 0

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --locked --quiet --example train_clips --bin gymrec
target=${CARGO_TARGET_DIR:-target}/debug
# 60 episodes, a clip every 20th (two training clips and the evaluation).
"$target/examples/train_clips" --episodes 60 --frequency 20 --quiet \
  --root "$out/checkpoints" --db "$out/metrics.db" --logdir "$out/runs" > "$out/train.txt"
"$target/gymrec" record --env CartPole-v1 --episodes 9 --trigger every:4 --quiet \
  --out "$out/videos" --tensorboard "$out/record-runs" > "$out/record.txt"
"$venv/bin/python" scripts/tensorboard_check.py \
  "$out/runs" "$out/metrics.db" "$out/record-runs" "$out/videos"
