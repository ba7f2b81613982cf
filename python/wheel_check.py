"""Checks an installed gymrec, as a user of the wheel has it (run by wheel_check.sh).

``python wheel_check.py``: the build is the wheel's (no FFmpeg: MP4 through OpenH264, GIF,
PNG), it records CartPole to an MP4 that ffprobe decodes whole (frame count, size, pixel
format) and to a GIF, and asking for WebM raises a ValueError that says what to install.

``python wheel_check.py --quality``: with any build, records the same CartPole clip as MP4 and
as PNG frames (lossless) and prints the MP4's size and its PSNR against the PNGs: run it with
the wheel and with ``pip install ./python`` (FFmpeg, x264) to compare the encoders.

Needs ffprobe and ffmpeg (``scripts/deps.sh --test``) and a display-less pygame
(``SDL_VIDEODRIVER=dummy``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np

import gymrec

#: Steps of the clip: 201 frames (the reset's and one per step) of 600x400 CartPole.
STEPS = 200


def record(folder: Path, format: str) -> Path:
    """One CartPole episode of STEPS steps balanced by a fixed rule, recorded in ``format``;
    the same frames for every build and format. Returns the video's path."""
    env = gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=STEPS)
    env = gymrec.RecordVideo(env, folder, episode_trigger=lambda e: True, format=format)
    obs, _ = env.reset(seed=7)
    done = False
    while not done:
        action = int(obs[2] + 0.5 * obs[3] > 0)
        obs, _, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
    env.close()
    (video,) = [p for p in folder.iterdir() if p.name.startswith("rl-video-episode-0")]
    return video


def probe(path: Path) -> dict[str, object]:
    """ffprobe's view of the video stream, every frame decoded and counted."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
        + ["-show_entries", "stream=codec_name,nb_read_frames,width,height,pix_fmt"]
        + ["-of", "json", os.fspath(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stream: dict[str, object] = json.loads(out)["streams"][0]
    return stream


def rgb(source: list[str], width: int, height: int) -> np.ndarray:
    """Frames decoded by ffmpeg (``source``: its input arguments) as RGB, failing on any
    decoding error."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", *source, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    )
    if out.stderr:
        raise AssertionError(f"ffmpeg reported decoding errors: {out.stderr.decode()}")
    return np.frombuffer(out.stdout, dtype=np.uint8).reshape(-1, height, width, 3)


def psnr(mp4: Path, pngs: Path) -> float:
    """PSNR (dB, RGB, over every frame) of the MP4 against the lossless PNG frames."""
    a = rgb(["-i", os.fspath(mp4)], 600, 400).astype(np.float64)
    b = rgb(["-i", os.fspath(pngs / "frame-%06d.png")], 600, 400).astype(np.float64)
    assert a.shape == b.shape, f"{mp4}: {a.shape[0]} frames, {pngs}: {b.shape[0]}"
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def quality(folder: Path) -> None:
    """Prints the MP4 encoder, the clip's size and its PSNR."""
    mp4 = record(folder / "mp4", "mp4")
    pngs = record(folder / "png", "png")
    size = mp4.stat().st_size
    print(
        f"{gymrec.MP4_BACKEND}: CartPole {STEPS + 1} frames 600x400: {size} bytes "
        f"({size / 1024:.1f} KiB), PSNR {psnr(mp4, pngs):.2f} dB"
    )


def check_wheel(folder: Path) -> None:
    """The wheel's build: its formats, a decodable MP4 and GIF, WebM refused in words."""
    assert gymrec.MP4_BACKEND == "openh264", gymrec.MP4_BACKEND
    assert gymrec.FORMATS == ("mp4", "gif", "png"), gymrec.FORMATS
    mp4 = record(folder / "mp4", "mp4")
    facts = probe(mp4)
    want = {"codec_name": "h264", "nb_read_frames": str(STEPS + 1), "width": 600}
    want |= {"height": 400, "pix_fmt": "yuv420p"}
    assert facts == want, f"{mp4}: {facts}, expected {want}"
    rgb(["-i", os.fspath(mp4)], 600, 400)
    print(f"{mp4.name}: {facts}, {mp4.stat().st_size} bytes, decoded without errors")
    gif = record(folder / "gif", "gif")
    assert probe(gif)["codec_name"] == "gif", probe(gif)
    try:
        record(folder / "webm", "webm")
    except ValueError as err:
        message = str(err)
        for needed in ("links no FFmpeg", "webm", "libavcodec-dev", "pip install ./python"):
            assert needed in message, f"{needed!r} not in {message!r}"
        print(f"format='webm' raises ValueError: {message}")
    else:
        raise AssertionError("format='webm' recorded without FFmpeg")


def main() -> None:
    """Runs the checks the arguments ask for in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="gymrec-wheel-") as tmp:
        if sys.argv[1:] == ["--quality"]:
            quality(Path(tmp))
        else:
            check_wheel(Path(tmp))
            quality(Path(tmp) / "quality")
    print(f"gymrec {gymrec.__version__} from {Path(gymrec.__file__).parent}: checks passed")


if __name__ == "__main__":
    main()
