#!/usr/bin/env bash
# The test command: installs what the build and the tests need (Chromium
# for the gallery test, python3-venv for the TensorBoard check), then runs
# every test (unit, integration and doc tests) and, when no arguments
# filter the tests, scripts/tensorboard_check.sh (TensorBoard itself reads
# gymrec's event files back).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
cargo test --locked "$@"
if [ $# -eq 0 ]; then
  scripts/tensorboard_check.sh
fi
