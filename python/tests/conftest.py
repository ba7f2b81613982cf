"""Helpers for the gymrec Python tests: decoding videos back, Gymnasium's wrappers spied on,
small envs whose frames are known."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.wrappers import RecordVideo as GymRecordVideo
from gymnasium.wrappers.vector import RecordVideo as GymVectorRecordVideo

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
# MuJoCo renders headless through OSMesa (libosmesa6): test_snapshots.py.
os.environ.setdefault("MUJOCO_GL", "osmesa")


@dataclass
class Probe:
    """A video as ffprobe reads it back (every frame decoded and counted)."""

    frames: int
    width: int
    height: int
    pix_fmt: str
    fps: float


def probe(path: Path | str) -> Probe:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames,width,height,pix_fmt,avg_frame_rate,r_frame_rate",
            "-of",
            "json",
            os.fspath(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stream = json.loads(out)["streams"][0]
    num, den = stream["r_frame_rate"].split("/")
    return Probe(
        frames=int(stream["nb_read_frames"]),
        width=int(stream["width"]),
        height=int(stream["height"]),
        pix_fmt=stream["pix_fmt"],
        fps=int(num) / int(den),
    )


def decode(path: Path | str, width: int, height: int) -> np.ndarray:
    """Every frame of a video as RGB, (frames, height, width, 3), cropped to width x height."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", os.fspath(path)]
        + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    ).stdout
    p = probe(path)
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, p.height, p.width, 3)
    return frames[:, :height, :width]


def videos(folder: Path | str) -> list[str]:
    return sorted(os.listdir(folder))


class _SpiesOnFrames:
    """Notes how many frames each video a Gymnasium recorder writes holds."""

    def __init__(self, *args, **kwargs):
        self.frames_written: dict[str, int] = {}
        super().__init__(*args, **kwargs)

    def stop_recording(self):
        if self.recorded_frames:
            self.frames_written[self._video_name] = len(self.recorded_frames)
        super().stop_recording()


class SpiedRecordVideo(_SpiesOnFrames, GymRecordVideo):
    """Gymnasium's RecordVideo, noting how many frames each video it writes holds."""


class SpiedVectorRecordVideo(_SpiesOnFrames, GymVectorRecordVideo):
    """Gymnasium's vector RecordVideo, noting how many frames each video it writes holds."""


class Painted(gym.Env):
    """A tiny env whose frame is a known picture: four coloured quadrants, of any size, drawn
    into a strided view when ``strided`` (every other row of a taller array, columns
    reversed twice). ``render_fps`` is in its metadata unless ``fps`` is None."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 25}

    def __init__(self, width=64, height=48, episode_length=10, strided=False, fps=25):
        self.render_mode = "rgb_array"
        self.width, self.height = width, height
        self.episode_length = episode_length
        self.strided = strided
        self.metadata = dict(self.metadata)
        if fps is None:
            del self.metadata["render_fps"]
        else:
            self.metadata["render_fps"] = fps
        self.action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.spaces.Discrete(1)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return 0, {}

    def step(self, action):
        self.t += 1
        return 0, 1.0, self.t >= self.episode_length, False, {}

    def picture(self) -> np.ndarray:
        h, w = self.height, self.width
        frame = np.zeros((h, w, 3), dtype=np.uint8)
        frame[: h // 2, : w // 2] = (200, 30, 30)
        frame[: h // 2, w // 2 :] = (30, 200, 30)
        frame[h // 2 :, : w // 2] = (30, 30, 200)
        frame[h // 2 :, w // 2 :] = (220, 220, 40)
        return frame

    def render(self):
        picture = self.picture()
        if not self.strided:
            return picture
        taller = np.zeros((2 * self.height, self.width, 3), dtype=np.uint8)
        taller[::2] = picture[:, ::-1]
        view = taller[::2, ::-1]
        assert not view.flags["C_CONTIGUOUS"]
        return view


@pytest.fixture
def cartpole():
    def make(render_mode="rgb_array", **kwargs):
        return gym.make("CartPole-v1", render_mode=render_mode, **kwargs)

    return make


def run(env, episodes: int, seed: int = 0, trace: list | None = None, max_steps: int = 10_000):
    """Runs ``episodes`` episodes with seeded random actions; appends (episode_id, step_id,
    recording) after each reset and step to ``trace``."""
    env.action_space.seed(seed)
    steps = 0
    for e in range(episodes):
        env.reset(seed=seed + e)
        if trace is not None:
            trace.append((env.episode_id, env.step_id, env.recording))
        done = False
        while not done and steps < max_steps:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            steps += 1
            done = terminated or truncated
            if trace is not None:
                trace.append((env.episode_id, env.step_id, env.recording))


#: What a Rust panic or a PyO3 panic exception prints.
PANIC_TEXT = ("panicked at", "PanicException", "threads should not terminate")


def run_python(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Runs this Python with ``args`` (in ``cwd``) under ``timeout`` seconds (a hang fails the
    test), headless, capturing its output; asserts it printed no panic."""
    import sys

    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    for text in PANIC_TEXT:
        assert text not in done.stderr, done.stderr
    return done


def run_script(
    path: Path, source: str, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Writes ``source`` to ``path`` and runs it with this Python (``run_python``)."""
    import textwrap

    path.write_text(textwrap.dedent(source))
    return run_python(os.fspath(path), *args, timeout=timeout)


def mp4s(folder: Path | str) -> list[Path]:
    """The MP4 files in ``folder``, sorted."""
    return sorted(Path(folder).glob("*.mp4"))


@contextlib.contextmanager
def tmpfs(folder: Path, options: str):
    """A tmpfs mounted at ``folder`` (made first) with mount ``options`` and unmounted after;
    skips the test where that cannot be done (it needs root, which CI has)."""
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
