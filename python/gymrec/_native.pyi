"""Types of ``gymrec._native``, the compiled half of gymrec (``python/src/*.rs``, PyO3).

Kept true by ``python -m mypy.stubtest gymrec._native`` in ``python/lint.sh``, which compares
this stub with the installed extension module.
"""

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, final

__all__ = [
    "EpisodeEnd",
    "FORMATS",
    "Keep",
    "MP4_BACKEND",
    "Recorder",
    "capped_cubic_video_schedule",
    "check_record_state",
    "__version__",
]

#: The package's version: ``python/Cargo.toml``'s, compiled in.
__version__: str

#: The formats this build writes (``format=``): ``("mp4", "webm", "gif", "png")`` when built
#: against the system FFmpeg (``pip install ./python``), ``("mp4", "gif", "png")`` in the wheel
#: that links no FFmpeg.
FORMATS: tuple[str, ...]

#: What writes MP4 in this build: ``"ffmpeg"`` (libx264), ``"openh264"`` (the wheel), or
#: ``None`` when the build writes no MP4.
MP4_BACKEND: str | None

def capped_cubic_video_schedule(episode_id: int) -> bool:
    """Gymnasium's default episode trigger: true for the perfect cubes below 1000 and every
    multiple of 1000."""

def check_record_state(
    dirpath: str | os.PathLike[str],
    method: str,
    has_episode_trigger: bool,
    has_step_trigger: bool,
) -> None:
    """Checks a ``RecordState`` as gymrec's Rust ``RecordState::to_wrapper`` does; raises
    ``ValueError``."""

@final
class Recorder:
    """gymrec's env-less ``Recorder``, fed by the Python wrappers: the events return whether a
    frame is wanted now, ``submit_frame`` / ``submit_tiles`` hand it over.

    ``name_prefix`` defaults to ``"rl-video"``, ``name`` to ``"the env"`` and
    ``tensorboard_tag`` to ``"videos"`` (shown as ``...``:
    PyO3 writes a default that is not a literal as ``...`` in the runtime signature).
    """

    def __new__(
        cls,
        video_folder: str | os.PathLike[str],
        *,
        episode_trigger: Callable[[int], bool] | None = None,
        step_trigger: Callable[[int], bool] | None = None,
        video_length: int = 0,
        name_prefix: str = ...,
        fps: int | None = None,
        render_fps: float | None = None,
        env_id: str | None = None,
        name: str = ...,
        overwrite: bool = True,
        format: str | None = None,
        overlay: bool = False,
        gallery: bool = False,
        mlflow: str | None = None,
        mlflow_experiment: str | None = None,
        mlflow_run_name: str | None = None,
        quiet: bool = False,
        step_videos: str = "gymnasium",
        tensorboard: str | os.PathLike[str] | None = None,
        tensorboard_tag: str = ...,
        tensorboard_step: int = 0,
        tensorboard_episodes: bool = True,
        keep: Keep | None = None,
        outcome_in_name: bool | None = None,
        name_suffix: Callable[[list[EpisodeEnd]], str | None] | None = None,
        keep_last: int | None = None,
        max_bytes: int | None = None,
    ) -> Recorder: ...
    def begin_episode(self) -> bool:
        """An episode began (a reset). Returns whether a frame is wanted now."""
    def step(self, reward: float, done: bool) -> bool:
        """A step was taken with ``reward``; ``done`` when the episode ended at it. Returns
        whether a frame is wanted now."""
    def step_ended(
        self,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: object | None = None,
    ) -> bool:
        """A step with Gymnasium's ``terminated`` and ``truncated`` and its ``info`` (a dict
        whose JSON-able part is read when the step ends the episode and a keep rule or name
        suffix wants it). Returns whether a frame is wanted now."""
    def begin_episode_at_step(self) -> bool:
        """An episode began at the step just told (a same-step autoreset, as SB3's VecEnvs
        reset): counts it and asks the episode trigger, never the step trigger. Returns whether
        a frame is wanted now."""
    def autoreset_step(self) -> bool:
        """A step that began a new episode (a vector env's autoreset of sub-env 0). Returns
        whether a frame is wanted now."""
    def submit_frame(self, frame: object) -> None:
        """Hands over the frame for the last event: an ``(height, width, 3)`` ``uint8`` numpy
        array, any strides (checked at run time: anything else is a ``ValueError``)."""
    def submit_tiles(self, frames: Sequence[object]) -> None:
        """Hands over the frame of a vector env: one array per sub-env, tiled into a grid."""
    def submit_snapshot(self, state: bytes, width: int, height: int) -> None:
        """Hands over a snapshot (``state``) for the last event instead of a frame of ``width``
        x ``height``, drawn by the replay; held by a running video under a keep rule."""
    def set_snapshot_replay(self, replay: Callable[[bytes], object] | None) -> None:
        """Sets what draws a snapshot into a frame, ``replay(state) -> frame``; ``None``
        removes it."""
    @property
    def recording(self) -> bool:
        """Whether a video is being recorded."""
    @property
    def episode_id(self) -> int:
        """The current episode's id, -1 before the first reset."""
    @property
    def step_id(self) -> int:
        """The last step's id, -1 before the first step."""
    @property
    def video_folder(self) -> Path:
        """The folder videos are written into."""
    @property
    def fps(self) -> int:
        """Frames per second of the videos."""
    @property
    def video_path(self) -> Path | None:
        """The path of the last video started (running or stopped), ``None`` before the
        first."""
    @property
    def grid_size(self) -> tuple[int, int] | None:
        """The size of a vector env's tiled frames, ``(width, height)``, once known."""
    @property
    def videos(self) -> list[Path]:
        """The paths of the videos finished and kept so far."""
    @property
    def videos_finished(self) -> int:
        """How many videos were finished and kept so far."""
    def take_finished(self) -> list[dict[str, Any]]:
        """The videos finished since the last call, in the order they were started."""
    def stop(self) -> None:
        """Finalizes the running video, if any; raises the first error not yet raised."""
    def close(self) -> None:
        """Finalizes the running video and raises the first error not yet raised."""
    def finalize(self) -> None:
        """Finalizes the running video and drops the recorder; errors become warnings."""

@final
class Keep:
    """A keep rule, made by the functions of :mod:`gymrec.keep`; a fresh Rust ``record::Keep``
    is built from it for each recorder."""

    @staticmethod
    def failures(success: object | None = None) -> Keep:
        """Keeps the episodes that are not a success; label ``failure``."""
    @staticmethod
    def successes(success: object | None = None) -> Keep:
        """Keeps the episodes that are a success; label ``success``."""
    @staticmethod
    def best(n: int, every: int) -> Keep:
        """Keeps the ``n`` highest returns of each window of ``every`` episodes."""
    @staticmethod
    def worst(n: int, every: int) -> Keep:
        """Keeps the ``n`` lowest returns of each window of ``every`` episodes."""
    @staticmethod
    def any_of(*rules: Keep) -> Keep:
        """Keeps an episode any of ``rules`` keeps."""
    @staticmethod
    def all_of(*rules: Keep) -> Keep:
        """Keeps an episode every one of ``rules`` keeps."""
    @staticmethod
    def when(predicate: Callable[[EpisodeEnd], object]) -> Keep:
        """Keeps the episodes ``predicate(end)`` is true for."""
    @staticmethod
    def _restore(kind: str, args: tuple[Any, ...], label: str | None) -> Keep:
        """The rule ``__reduce__`` described (pickling)."""
    def named(self, label: str) -> Keep:
        """This rule with ``label`` as the label kept names end with."""
    @property
    def label(self) -> str | None:
        """The label given by ``named``, else ``None``."""
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...

@final
class EpisodeEnd:
    """A finished episode, as a ``when`` predicate and ``name_suffix`` see it."""

    @property
    def id(self) -> int:
        """The episode id (counting resets from 0)."""
    @property
    def ret(self) -> float:
        """The sum of its rewards."""
    @property
    def length(self) -> int:
        """Its steps."""
    @property
    def terminated(self) -> bool:
        """It reached a terminal state."""
    @property
    def truncated(self) -> bool:
        """It was cut short (a time limit)."""
    @property
    def info(self) -> dict[str, Any]:
        """The JSON-able part of its last step's info."""
