#!/usr/bin/env bash
# The test command: installs what the build and the tests need (Chromium
# for the gallery test, python3-venv for the TensorBoard check and the Python
# package, ffmpeg for the Python tests), then runs every test (unit,
# integration and doc tests) and, when no arguments filter the tests,
# scripts/tensorboard_check.sh (TensorBoard itself reads gymrec's event files
# back), scripts/mlflow_check.sh (a real MLflow server, read back with
# MlflowClient), python/test.sh (the Python package built once, its pytest in a venv
# with Gymnasium 1.4.0 and SB3, then in a light one with Gymnasium 1.2.2),
# python/mlflow_test.sh (the Python package's MLflow logging against a real
# server, in the venv of mlflow_check.sh) and python/wheel_check.sh (the wheel
# without FFmpeg: built with zig, its manylinux tag and libraries checked,
# installed into a fresh venv, recording).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
cargo test --locked "$@"
if [ $# -eq 0 ]; then
  scripts/tensorboard_check.sh
  scripts/mlflow_check.sh
  python/test.sh
  python/mlflow_test.sh
  python/wheel_check.sh
fi
