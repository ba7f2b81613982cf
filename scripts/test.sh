#!/usr/bin/env bash
# The test command: installs what the build and the tests need (Chromium
# for the gallery test, python3-venv and ffmpeg for the Python package), then
# runs every test: the crate's unit, integration and doc tests, then the
# Python package's (python/test.sh: builds it into a venv, runs pytest).
# Arguments go to `cargo test`; with any, only the Rust tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
cargo test --locked "$@"
if [ $# -eq 0 ]; then
  python/test.sh
fi
