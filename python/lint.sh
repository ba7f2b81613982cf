#!/usr/bin/env bash
# Lints of the Python package: cargo fmt and clippy (warnings are errors) on
# its Rust crate, ruff (lint and format) on its Python code. Uses the venv
# python/test.sh makes, making it first when missing.
set -euo pipefail
cd "$(dirname "$0")"
venv=target/venv
if [ ! -x "$venv/bin/ruff" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
fi
cargo fmt --all -- --check
# --release: the build scripts (bindgen of FFmpeg) already ran for the wheel.
cargo clippy --locked --release --all-targets -- -D warnings
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
