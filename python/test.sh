#!/usr/bin/env bash
# The Python package's tests: makes a venv (python/target/venv) with the pinned
# test requirements (tests/requirements.txt: Gymnasium 1.4.0, moviepy for
# Gymnasium's own RecordVideo, cloudpickle, pytest, ruff, mypy, wandb, and nbclient, nbformat and
# ipykernel for the notebook test; tests/requirements-sb3.txt:
# Stable-Baselines3 and torch for the shared-folder tests, about 3 GB as PyPI's
# torch is the CUDA build, installed once into the venv), builds and installs the package
# into it exactly as a user does (`pip install ./python`), then runs pytest
# headless. Needs what `scripts/deps.sh --test` installs (python3-venv, ffmpeg
# for ffprobe) and a Rust toolchain. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
venv=target/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir -r tests/requirements.txt \
  -r tests/requirements-sb3.txt
# A cold release build of the extension takes a few minutes (gymrec, FFmpeg's
# bindings, pyo3); later ones reuse python/target.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir --force-reinstall --no-deps .
# From tests/, so that `import gymrec` is the installed package, not ./gymrec
# (which has no compiled extension).
cd tests
SDL_VIDEODRIVER=dummy "../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
