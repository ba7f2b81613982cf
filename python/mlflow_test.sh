#!/usr/bin/env bash
# The Python package against a real MLflow server: tests/test_mlflow.py (which
# starts `mlflow server` on a free port and stops it by PID) in the venv of
# scripts/mlflow_check.sh (.venv-mlflow: the pinned mlflow==3.17.2, about
# 900 MB, made once), not in python/test.sh's, which stays without mlflow.
# Adds to that venv what the test needs beside mlflow, pinned as in
# tests/requirements.txt (Gymnasium with classic-control, pygame-ce, pytest),
# and gymrec built from this tree. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-mlflow
. scripts/venv.sh
ensure_venv "$venv" scripts/mlflow-requirements.txt
python="$PWD/$venv/bin/python"
"$python" -m pip install -q --disable-pip-version-check --no-cache-dir \
  $(grep -E '^(gymnasium|pygame-ce|pytest)(\[|==)' python/tests/requirements.txt)
# The wheel python/test.sh built, else one built now (as `pip install ./python`).
wheel=$(ls python/target/wheels/gymrec-*.whl 2> /dev/null | head -1 || true)
"$python" -m pip install -q --disable-pip-version-check --no-cache-dir --force-reinstall \
  --no-deps "${wheel:-./python}"
# From tests/, so that `import gymrec` is the installed package, not ./gymrec.
cd python/tests
SDL_VIDEODRIVER=dummy "$python" -m pytest -q -p no:cacheprovider test_mlflow.py "$@"
