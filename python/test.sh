#!/usr/bin/env bash
# The Python package's tests, on the newest and the oldest Gymnasium gymrec supports:
# - target/venv: the pinned test requirements (tests/requirements.txt: Gymnasium 1.4.0, moviepy
#   for Gymnasium's own RecordVideo, cloudpickle, pytest, ruff, mypy, wandb, and nbclient, nbformat and
#   ipykernel for the notebook test;
#   tests/requirements-sb3.txt: Stable-Baselines3, torch and TensorBoard for test_sb3.py and the
#   shared-folder tests, about 3 GB as PyPI's torch is the CUDA build, installed once);
# - target/venv-gym122: a light venv (tests/requirements-gym122.txt: Gymnasium 1.2.2, no torch,
#   no SB3, whose tests skip), about 300 MB.
# Builds the package's wheel once, exactly as `pip install ./python` builds it, installs it into
# both, then runs pytest headless in each. Needs what `scripts/deps.sh --test` installs
# (python3-venv, ffmpeg for ffprobe) and a Rust toolchain. Extra arguments go to pytest (both
# runs); GYMREC_LIGHT_VENV=0 skips the Gymnasium 1.2.2 run.
set -euo pipefail
cd "$(dirname "$0")"
venv=target/venv
light=target/venv-gym122
pip_install() {
  "$1/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir "${@:2}"
}
for v in "$venv" $([ "${GYMREC_LIGHT_VENV:-1}" = 0 ] || echo "$light"); do
  if [ ! -x "$v/bin/python" ]; then
    python3 -m venv "$v"
  fi
done
pip_install "$venv" -r tests/requirements.txt -r tests/requirements-sb3.txt
# A cold release build of the extension takes a few minutes (gymrec, FFmpeg's
# bindings, pyo3); later ones reuse python/target.
rm -rf target/wheels
"$venv/bin/python" -m pip wheel -q --disable-pip-version-check --no-cache-dir --no-deps \
  -w target/wheels .
wheel=$(echo target/wheels/gymrec-*.whl)
pip_install "$venv" --force-reinstall --no-deps "$wheel"
# From tests/, so that `import gymrec` is the installed package, not ./gymrec
# (which has no compiled extension).
(cd tests && SDL_VIDEODRIVER=dummy "../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
if [ "${GYMREC_LIGHT_VENV:-1}" != 0 ]; then
  pip_install "$light" -r tests/requirements-gym122.txt
  pip_install "$light" --force-reinstall --no-deps "$wheel"
  echo "The same tests on Gymnasium $("$light/bin/python" -c 'import gymnasium; print(gymnasium.__version__)'):"
  (cd tests && SDL_VIDEODRIVER=dummy "../$light/bin/python" -m pytest -q -p no:cacheprovider "$@")
fi
