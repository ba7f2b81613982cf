#!/usr/bin/env bash
# The test command: installs what the build and the tests need (Chromium
# for the gallery test), then runs every test
# (unit, integration and doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
cargo test --locked "$@"
