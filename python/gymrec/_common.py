"""What both wrappers share: the Rust recorder, its attributes, finalizing at exit."""

from __future__ import annotations

import atexit
import gc
import os
import weakref
from typing import Any, Callable, cast

from gymnasium.core import RenderFrame

from gymrec import _mlflow
from gymrec._mlflow import MlflowVideos
from gymrec._native import Recorder, capped_cubic_video_schedule
from gymrec._wandb import WandbVideos
from gymrec.finished import FinishedVideo

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


class _Unmade:
    """Stands in for the recorder of a wrapper copied by ``os.fork()``, ``copy.deepcopy`` or
    pickling: the copy's own recorder is made from the original's arguments at its first event
    (so a copy that never records never touches the folder); until then it reads as a recorder
    that has seen nothing."""

    __slots__ = ("_wrapper",)
    recording = False
    episode_id = -1
    step_id = -1
    videos_finished = 0
    grid_size = None

    def __init__(self, wrapper: Recording) -> None:
        self._wrapper = weakref.ref(wrapper)

    def __getattr__(self, name: str) -> Any:
        wrapper = self._wrapper()
        if wrapper is None:
            raise AttributeError(name)
        return getattr(wrapper._remake_recorder(), name)

    def stop(self) -> None:
        """Nothing recorded yet: nothing to finalize."""

    close = stop
    finalize = stop


class Recording:
    """The recorder behind a wrapper and Gymnasium's attributes around it.

    Finalizes the running video when the wrapper is garbage-collected or the interpreter
    exits (Gymnasium loses it), and runs ``gc_trigger`` after each finished video.

    A copy of the wrapper (``copy.deepcopy``, pickle or cloudpickle, or the wrapper a child
    made by ``os.fork()`` inherits) records on its own: a new recorder, made from the
    original's arguments at the copy's first event, counting episodes and steps afresh; its
    file names are kept apart from the original's by gymrec's rule for recorders sharing a
    folder. The original's recording is untouched.
    """

    #: Set by ``_start_recorder`` (an ``_Unmade`` stand-in in a copy, which forwards to the
    #: recorder it makes at first use); ``None`` only on a wrapper whose ``__init__`` raised
    #: before it (which ``_finalize`` tolerates), so typed as always set.
    _recorder: Recorder = None  # type: ignore[assignment]
    _recorder_args: dict[str, Any] | None = None
    gc_trigger: Callable[[int], bool] | None = None
    _videos_seen: int = 0
    #: The user's ``on_video``, called once per finished video.
    on_video: Callable[[FinishedVideo], object] | None = None
    #: The W&B logger, unless ``wandb=False``.
    _wandb: WandbVideos | None = None
    #: The MLflow logger of the ``mlflow`` package's active run, unless ``mlflow=False`` or
    #: the videos go through gymrec's own client (the recorder's, given a tracking URI).
    _mlflow: MlflowVideos | None = None
    #: How many videos were taken from the recorder for the hooks, and those not yet handed to
    #: them (an exception of a hook leaves the next ones for the next call).
    _videos_taken: int = 0
    _unhanded: list[FinishedVideo] | None = None
    #: Whether the recorder reads how episodes end (a keep rule or a name suffix): then the
    #: wrappers pass the info of each episode's last step.
    _reads_ends: bool = False

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
        on_video: Callable[[FinishedVideo], object] | None = None,
        wandb: bool | None = None,
        wandb_key: str = "videos",
        mlflow: bool | str | None = None,
        mlflow_experiment: str | None = None,
        mlflow_run_name: str | None = None,
        **options: Any,
    ) -> None:
        """Makes the Rust recorder for ``env`` (a ``gymnasium.Env`` or ``VectorEnv``) and sets
        Gymnasium's attributes; ``options`` are gymrec's keyword-only ones (``overwrite``,
        ``format``, ``overlay``, ``gallery``, ``keep`` and the other keep options) the recorder
        takes."""
        check_render_mode(env)
        mlflow_logger, mlflow_uri = _mlflow.choose(mlflow)
        if mlflow_uri is not None:
            options.update(
                mlflow=mlflow_uri,
                mlflow_experiment=mlflow_experiment,
                mlflow_run_name=mlflow_run_name,
            )
        spec = getattr(env, "spec", None)
        env_id = getattr(spec, "id", None)
        render_fps = env.metadata.get("render_fps")
        self._recorder_args = dict(
            video_folder=os.fspath(video_folder),
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
        self._recorder = Recorder(**self._recorder_args)
        _LIVE.add(self)
        self._reads_ends = options.get("keep") is not None or options.get("name_suffix") is not None
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.on_video = on_video
        self._wandb = None if wandb is False else WandbVideos(wandb_key, forced=wandb is True)
        self._mlflow = mlflow_logger
        self._unhanded = []
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
        """Finalizes the running video, if any, and hands it to ``on_video``; raises the first
        recording error not yet raised."""
        try:
            self._recorder.stop()
        finally:
            self._after_video()
            self._flush_mlflow()

    def _close_recorder(self) -> None:
        """Finalizes the running video and hands it to ``on_video``; raises the first recording
        error (a full disk, an encoder failure) not yet raised."""
        try:
            self._recorder.close()
        finally:
            self._after_video()
            self._flush_mlflow()

    def _flush_mlflow(self) -> None:
        """Waits for the uploads to the ``mlflow`` package's run, as the recorder's report
        waits for its own client's, and warns about what was not sent."""
        if self._mlflow is not None:
            self._mlflow.flush()

    @property
    def _watches_videos(self) -> bool:
        """Whether finished videos are looked for after each event: for ``gc_trigger``,
        ``on_video``, W&B or MLflow."""
        return self.gc_trigger is not None or self._hands_over

    @property
    def _hands_over(self) -> bool:
        """Whether finished videos are handed to a hook: ``on_video``, W&B or MLflow."""
        return self.on_video is not None or self._wandb is not None or self._mlflow is not None

    def _after_video(self) -> None:
        """Hands each finished video to the W&B and MLflow loggers and ``on_video`` and runs
        ``gc_trigger``. gymrec finishes a video on its encoder thread and reports it once
        written, at that call or a later one; the hooks are called then, on this thread."""
        if self._recorder is None:
            return
        self._collect_garbage()
        if self._hands_over:
            self._hand_over_videos()

    def _hand_over_videos(self) -> None:
        """Calls the W&B and MLflow loggers, then ``on_video``, once per video finished since
        the last call, in the order they were started. An exception of ``on_video`` is raised
        here, after the loggers had their go at that video (they never raise); the videos
        after it are handed over at the next call."""
        if self._unhanded is None:
            self._unhanded = []
        finished = self._recorder.videos_finished
        if finished != self._videos_taken:
            self._videos_taken = finished
            taken = self._recorder.take_finished()
            self._unhanded.extend(FinishedVideo._from_native(video) for video in taken)
        while self._unhanded:
            video = self._unhanded.pop(0)
            try:
                if self._wandb is not None:
                    self._wandb(video)
                if self._mlflow is not None:
                    self._mlflow(video)
            finally:
                if self.on_video is not None:
                    self.on_video(video)

    def _collect_garbage(self) -> None:
        """Gymnasium's ``gc_trigger``: ``gc.collect()`` after each finished video, when the
        trigger accepts the current episode id."""
        if self.gc_trigger is None:
            return
        finished = self._recorder.videos_finished
        new, self._videos_seen = finished - self._videos_seen, finished
        episode_id = self._recorder.episode_id
        # Asked once per video, as Gymnasium does; several may be reported at once.
        if any([self.gc_trigger(episode_id) for _ in range(new)]):
            gc.collect()

    def _remake_recorder(self) -> Recorder:
        """The copy's own recorder, made from the original's arguments; the warnings of making
        it (existing videos, no fps) were the original's to give."""
        assert self._recorder_args is not None, "only a copy of a made wrapper remakes"
        self._recorder = Recorder(**self._recorder_args, quiet=True)
        self._videos_seen = 0
        self._videos_taken = 0
        self._unhanded = []
        self._recorder_made()
        return self._recorder

    def _recorder_made(self) -> None:
        """Called with each recorder a copy makes: what a wrapper sets on it (a snapshot
        replay)."""

    def _unmake_recorder(self) -> None:
        """Lets go of the recorder (another process's, or the original's) for one made at the
        first event."""
        if self._recorder_args is not None:
            # A stand-in with the recorder's attributes, typed as the recorder it becomes.
            self._recorder = cast(Recorder, _Unmade(self))
            if self._mlflow is not None:
                # The uploads queued are the original's (its thread stayed in the parent).
                self._mlflow = MlflowVideos(self._mlflow.forced)
            self._videos_seen = 0
            self._videos_taken = 0
            self._unhanded = []
            _LIVE.add(self)

    def __getstate__(self) -> dict[str, Any]:
        """The wrapper without its recorder, which a copy makes anew."""
        state = self.__dict__.copy()
        state.pop("_recorder", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._unmake_recorder()

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


def _after_fork_in_child() -> None:
    """In a child made by ``os.fork()``, every live wrapper lets go of the recorder it
    inherited (whose encoder threads stayed in the parent; the native recorder leaks it
    instead of joining them) and makes its own at its first event."""
    for wrapper in list(_LIVE):
        if getattr(wrapper, "_recorder", None) is not None:
            wrapper._unmake_recorder()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
