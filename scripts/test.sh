#!/usr/bin/env bash
# The test command: installs what the build needs, then runs every test
# (unit, integration and doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo test --locked "$@"
