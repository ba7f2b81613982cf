#!/usr/bin/env bash
# Installs the system packages gymrec builds against (FFmpeg's development
# libraries, pkg-config, and clang for bindgen) when any is missing.
# Debian/Ubuntu only; uses sudo when not root.
# With --test, also what the tests need: headless Chromium (the gallery test
# plays the videos in it), a font for the pages it renders, and python3-venv
# (scripts/tensorboard_check.sh makes a venv with TensorBoard, python/test.sh
# one for the Python package's tests) and ffmpeg (those tests decode the
# videos back with ffprobe and ffmpeg) and libosmesa6 (MuJoCo renders headless
# through OSMesa in the Python snapshot tests). With --python, what
# `pip install ./python` needs beside the build packages: python3-venv, for
# the virtualenv to install into.
set -euo pipefail

# nasm: the optional `openh264` feature assembles its fast paths with it.
packages=(pkg-config clang nasm libavcodec-dev libavformat-dev libavutil-dev libswscale-dev)
case "${1:-}" in
  --test) packages+=(chromium fonts-dejavu-core python3-venv ffmpeg libosmesa6) ;;
  --python) packages+=(python3-venv) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "gymrec: installing system packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "gymrec: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
