#!/usr/bin/env bash
# The wheel a user without Rust or FFmpeg installs: builds python/ without the
# `ffmpeg` feature (MP4 through OpenH264, GIF, PNG) with maturin and zig
# against glibc 2.17's symbols (wheel-requirements.txt, pinned, in the venv
# target/wheel-build), then checks it as a user gets it:
# - `auditwheel show` states its manylinux tag, which must be 2_28 or older;
# - `ldd` on its extension lists only glibc's libraries (no libav*, libsw*,
#   libx264, libstdc++);
# - it installs into a fresh venv (target/wheel-venv, made anew each run)
#   with binary wheels only and no cargo or rustc on PATH, beside
#   wheel-check-requirements.txt (Gymnasium, pygame-ce, numpy; no torch);
# - there wheel_check.py records CartPole to an MP4 that ffprobe decodes
#   whole (201 frames, 600x400, yuv420p) and to a GIF, sees format="webm"
#   refused with what to install, and prints the MP4's size and PSNR.
# Prints the wheel's name, size, tag and build time. Cargo builds in
# $CARGO_TARGET_DIR, else target/wheel-cargo (removed afterwards when CI=true).
# A cold build is about 5 min of CPU, 1.5 of them OpenH264's C++. Needs what
# `scripts/deps.sh --test` installs (python3-venv, ffmpeg, nasm) and a Rust
# toolchain to build. The wheel is left in target/wheel-dist.
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/venv.sh
ensure_venv target/wheel-build wheel-requirements.txt
# Its own cargo folder: other features, zig as compiler, glibc 2.17 as target;
# sharing python/target with test.sh's build would rebuild both by turns.
own_target=$PWD/target/wheel-cargo
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$own_target}
build=$PWD/target/wheel-build/bin
dist=target/wheel-dist
rm -rf "$dist"

start=$SECONDS
# maturin finds zig as `python3 -m ziglang` on PATH: the build venv's first.
PATH="$build:$PATH" maturin build --release --locked --no-default-features --features openh264,gif,png \
  --zig --compatibility manylinux2014 --auditwheel check --out "$dist" \
  --interpreter "$build/python"
seconds=$((SECONDS - start))
wheel=$(echo "$dist"/gymrec-*.whl)
[ -f "$wheel" ] || { echo "wheel_check: no wheel in $dist" >&2; exit 1; }

show=$("$build/auditwheel" show "$wheel")
echo "$show"
tag=$(echo "$show" | tr -d '\n' | grep -o 'platform tag: *"[^"]*"' | grep -o 'manylinux_[0-9_]*x86_64' || true)
minor=$(echo "$tag" | sed -n 's/^manylinux_2_\([0-9]*\)_x86_64$/\1/p')
if [ -z "$minor" ] || [ "$minor" -gt 28 ]; then
  echo "wheel_check: $wheel: manylinux tag '${tag}' is not manylinux_2_28 or older" >&2
  exit 1
fi

unpacked=target/wheel-unpacked
rm -rf "$unpacked"
"$build/python" -m zipfile -e "$wheel" "$unpacked"
so=$(echo "$unpacked"/gymrec/_native*.so)
libs=$(ldd "$so")
echo "ldd $(basename "$so"):"
echo "$libs"
if echo "$libs" | grep -E 'libav|libsw|libx264|libvpx|libstdc\+\+|not found'; then
  echo "wheel_check: $so links the libraries above; the wheel must need only glibc's" >&2
  exit 1
fi

# A fresh venv, and a PATH without cargo and rustc: nothing may be compiled.
venv=target/wheel-venv
rm -rf "$venv"
python3 -m venv "$venv"
no_rust=$(echo "$PATH" | tr ':' '\n' | while read -r dir; do
  [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ] || printf '%s:' "$dir"
done)
PATH=${no_rust%:} "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir \
  --only-binary :all: "$wheel" -r wheel-check-requirements.txt
# -I: the script's folder (python/, with the source gymrec/) is not on sys.path, so
# `import gymrec` is the installed wheel.
PATH=${no_rust%:} SDL_VIDEODRIVER=dummy "$venv/bin/python" -I wheel_check.py

rm -rf "$unpacked"
# On CI's fresh machine the build is not reused: its 0.7 GB go.
if [ "${CI:-}" = true ] && [ "$CARGO_TARGET_DIR" = "$own_target" ]; then
  rm -rf "$own_target"
fi
size=$(stat -c %s "$wheel")
echo "wheel: $(basename "$wheel"), $((size / 1024)) KiB ($size bytes), auditwheel tag $tag," \
  "built in ${seconds} s"
