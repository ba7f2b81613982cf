#!/usr/bin/env bash
# Lints of the Python package: cargo fmt and clippy (warnings are errors) on
# its Rust crate, ruff (lint and format) on its Python code, mypy --strict on
# the package and on a user's script, and mypy.stubtest of the stub
# gymrec/_native.pyi against the compiled module. Uses the venv python/test.sh
# makes (making it first when missing) and the gymrec installed in it: run
# after test.sh, which installs the current build; when the venv has no gymrec
# yet, it is built and installed here (a few minutes cold).
set -euo pipefail
cd "$(dirname "$0")"
venv=target/venv
python="$PWD/$venv/bin/python"
# mypy's cache, for every run below (stubtest takes no --cache-dir).
export MYPY_CACHE_DIR="$PWD/target/mypy-cache"
if [ ! -x "$python" ]; then
  python3 -m venv "$venv"
fi
# Always: a venv made by an older run may lack a tool added since (mypy).
"$python" -m pip install -q --disable-pip-version-check --no-cache-dir -r tests/requirements.txt
cargo fmt --all -- --check
# --release: the build scripts (bindgen of FFmpeg) already ran for the wheel.
cargo clippy --locked --release --all-targets -- -D warnings
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
# The package's own code, against the stub of its compiled half.
"$python" -m mypy --strict gymrec
# What follows imports the installed package: from tests/typing, where no
# source gymrec/ (which has no compiled module) shadows it.
if ! (cd tests/typing && "$python" -c "import gymrec._native") 2>/dev/null; then
  "$python" -m pip install -q --disable-pip-version-check --no-cache-dir --no-deps .
fi
cd tests/typing
# A user's script, type-checked against the installed package as a user's
# checker sees it (its py.typed and _native.pyi, from the wheel).
"$python" -m mypy --strict user_script.py
# The source stub (MYPYPATH puts ./gymrec before the installed one) against
# the installed compiled module: every name, signature, default and property.
MYPYPATH=../.. "$python" -m mypy.stubtest --mypy-config-file ../../pyproject.toml \
  gymrec._native
