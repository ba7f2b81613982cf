"""What both wrappers share: the Rust recorder, its attributes, finalizing at exit."""

from __future__ import annotations

import atexit
import gc
import os
import weakref
from typing import Any, Callable

from gymnasium.core import RenderFrame

from gymrec._native import Recorder, capped_cubic_video_schedule

#: Wrappers whose recorder is still open; finalized at interpreter exit.
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


def check_render_mode(env: Any) -> None:
    """Gymnasium's refusal of render modes that give no frames."""
    if env.render_mode in {None, "human", "ansi"}:
        raise ValueError(
            f"Render mode is {env.render_mode}, which is incompatible with RecordVideo. "
            "Initialize your environment with a render_mode that returns an image, such as "
            "rgb_array."
        )


class Recording:
    """The recorder behind a wrapper and Gymnasium's attributes around it.

    Finalizes the running video when the wrapper is garbage-collected or the interpreter
    exits (Gymnasium loses it), and runs ``gc_trigger`` after each finished video.
    """

    #: Set by ``_start_recorder``; ``None`` only on a wrapper whose ``__init__`` raised before
    #: it (which ``_finalize`` tolerates), so typed as always set.
    _recorder: Recorder = None  # type: ignore[assignment]
    gc_trigger: Callable[[int], bool] | None = None
    _videos_seen: int = 0

    def _start_recorder(
        self,
        env: Any,
        video_folder: str | os.PathLike[str],
        episode_trigger: Callable[[int], bool] | None,
        step_trigger: Callable[[int], bool] | None,
        video_length: int,
        name_prefix: str,
        fps: int | None,
        disable_logger: bool,
        gc_trigger: Callable[[int], bool] | None,
        video_aspect_ratio: tuple[int, int] = (1, 1),
        record_first_only: bool = False,
        **options: Any,
    ) -> None:
        """Makes the Rust recorder for ``env`` (a ``gymnasium.Env`` or ``VectorEnv``) and sets
        Gymnasium's attributes; ``options`` are gymrec's keyword-only ones (``overwrite``,
        ``format``, ``overlay``, ``gallery``)."""
        check_render_mode(env)
        spec = getattr(env, "spec", None)
        env_id = getattr(spec, "id", None)
        render_fps = env.metadata.get("render_fps")
        self._recorder = Recorder(
            os.fspath(video_folder),
            episode_trigger=episode_trigger,
            step_trigger=step_trigger,
            video_length=video_length,
            name_prefix=name_prefix,
            fps=fps,
            render_fps=None if render_fps is None else float(render_fps),
            env_id=env_id,
            name=env_id or type(env.unwrapped).__name__,
            **options,
        )
        _LIVE.add(self)
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.video_folder = os.fspath(self._recorder.video_folder)
        self.frames_per_sec: int = self._recorder.fps
        self.name_prefix: str = name_prefix
        self.video_length: float = video_length if video_length != 0 else float("inf")
        self.render_history: list[RenderFrame] = []
        self.record_first_only = record_first_only
        self.video_aspect_ratio = video_aspect_ratio

    @property
    def recording(self) -> bool:
        """Whether a video is being recorded."""
        return self._recorder.recording

    @property
    def episode_id(self) -> int:
        """The current episode's id, counting from 0 (-1 before the first reset); for a vector
        env, sub-env 0's."""
        return self._recorder.episode_id

    @property
    def step_id(self) -> int:
        """The last step's id, counting from 0 (-1 before the first step)."""
        return self._recorder.step_id

    def stop_recording(self) -> None:
        """Finalizes the running video, if any; raises the first recording error not yet raised."""
        self._recorder.stop()
        self._after_video()

    def _close_recorder(self) -> None:
        """Finalizes the running video; raises the first recording error (a full disk, an encoder
        failure) not yet raised."""
        self._recorder.close()
        self._after_video()

    def _after_video(self) -> None:
        """Gymnasium's ``gc_trigger``: ``gc.collect()`` after each finished video, when the
        trigger accepts the current episode id. gymrec finishes a video on its encoder thread
        and reports it once written, at that call or a later one; the trigger is asked then."""
        if self.gc_trigger is None or self._recorder is None:
            return
        finished = self._recorder.videos_finished
        new, self._videos_seen = finished - self._videos_seen, finished
        episode_id = self._recorder.episode_id
        # Asked once per video, as Gymnasium does; several may be reported at once.
        if any([self.gc_trigger(episode_id) for _ in range(new)]):
            gc.collect()

    def _finalize(self) -> None:
        recorder = getattr(self, "_recorder", None)
        if recorder is not None:
            recorder.finalize()

    def __del__(self) -> None:
        # Safe on a half-built wrapper: __init__ may have raised before the recorder existed.
        self._finalize()


@atexit.register
def _finalize_all() -> None:
    for wrapper in list(_LIVE):
        wrapper._finalize()
