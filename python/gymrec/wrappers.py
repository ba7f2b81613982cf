"""``gymrec.RecordVideo``: the drop-in for ``gymnasium.wrappers.RecordVideo``."""

from __future__ import annotations

import os
import weakref
from typing import Any, Callable, Generic, SupportsFloat, cast

import gymnasium as gym
import numpy as np
from gymnasium import logger
from gymnasium.core import ActType, ObsType, RenderFrame

from gymrec import snapshots
from gymrec._common import Recording
from gymrec.finished import FinishedVideo
from gymrec.keep import EpisodeEnd, Keep


class RecordVideo(
    Recording,
    gym.Wrapper[ObsType, ActType, ObsType, ActType],
    Generic[ObsType, ActType],
    gym.utils.RecordConstructorArgs,
):
    """Records videos of an env's episodes, as ``gymnasium.wrappers.RecordVideo`` does, through
    gymrec's Rust recorder.

    The arguments, attributes (``recording``, ``episode_id``, ``step_id``), file names
    (``{name_prefix}-episode-{id}.mp4``, ``{name_prefix}-step-{id}.mp4``), the default capped
    cubic episode schedule and the fps (the argument, else ``metadata["render_fps"]``, else 30,
    with a warning) are Gymnasium's. Existing videos give Gymnasium's warning and are
    overwritten; ``overwrite=False`` raises ``FileExistsError`` instead.

    Deliberate differences from Gymnasium:

    - ``video_length=N`` gives exactly N frames (Gymnasium writes N + 1, though its docs say N).
    - The running video is finalized when the wrapper is garbage-collected or the interpreter
      exits, instead of being lost when ``close()`` is forgotten.
    - Every captured frame is in the file (moviepy may drop or repeat frames).
    - A killed process leaves a playable MP4, up to its last fragment.
    - Odd frame sizes are padded to even ones, so every MP4 is yuv420p and plays in browsers.
    - Frames are streamed to an encoder on a Rust thread: memory stays flat and the loop does
      not stop to encode. ``gc_trigger`` defaults to ``None`` as nothing is kept to collect.
    - Frames are those Gymnasium records: RGB or RGBA (alpha dropped) of any numeric dtype, cast
      as Gymnasium's writer casts them (numpy's ``astype("uint8")``), with a warning once per
      video; grayscale frames raise ``ValueError`` at the first one.
    - A copy (``copy.deepcopy``, pickle) or a child of ``os.fork()`` records on its own: a new
      recorder, counting afresh, under names kept apart from the original's.

    gymrec's own additions are keyword-only opt-ins: ``overwrite`` (default True),
    ``format`` (``"mp4"``, ``"webm"``, ``"gif"`` or ``"png"``, a folder of frames),
    ``overlay=True`` (the episode, step and return burnt into each frame) and
    ``gallery=True`` (a JSON sidecar per video, ``index.jsonl`` and an ``index.html`` gallery),
    ``on_video`` (a callable handed a :class:`gymrec.FinishedVideo` once per finished video)
    ``wandb`` / ``wandb_key`` (each finished video logged to the active W&B run) and ``mlflow``
    / ``mlflow_experiment`` / ``mlflow_run_name`` (each finished video logged to an MLflow run).
    By default the folder holds nothing but videos, as with Gymnasium.
    """

    #: The hooks handing over states instead of frames (``snapshot=``, or a MuJoCo env's).
    _snapshot: Callable[[Any], bytes] | None = None
    _render_snapshot: Callable[[Any, bytes], Any] | None = None
    #: The frames' size ``(width, height)`` the snapshots are drawn at, once known.
    _snapshot_size: tuple[int, int] | None = None

    def __init__(
        self,
        env: gym.Env[ObsType, ActType],
        video_folder: str | os.PathLike[str],
        episode_trigger: Callable[[int], bool] | None = None,
        step_trigger: Callable[[int], bool] | None = None,
        video_length: int = 0,
        name_prefix: str = "rl-video",
        fps: int | None = None,
        disable_logger: bool = True,
        gc_trigger: Callable[[int], bool] | None = None,
        *,
        overwrite: bool = True,
        format: str | None = None,
        overlay: bool = False,
        gallery: bool = False,
        on_video: Callable[[FinishedVideo], object] | None = None,
        wandb: bool | None = None,
        wandb_key: str = "videos",
        mlflow: bool | str | None = None,
        mlflow_experiment: str | None = None,
        mlflow_run_name: str | None = None,
        keep: Keep | None = None,
        keep_last: int | None = None,
        max_bytes: int | None = None,
        outcome_in_name: bool | None = None,
        name_suffix: Callable[[list[EpisodeEnd]], str | None] | None = None,
        snapshot: Callable[[Any], bytes] | bool | None = None,
        render_snapshot: Callable[[Any, bytes], Any] | None = None,
    ):
        """Wraps ``env`` to record videos into ``video_folder``.

        Args:
            env: The environment to record; its render mode must give images
                (``"rgb_array"`` or ``"rgb_array_list"``).
            video_folder: The folder the videos are written into (made when missing).
            episode_trigger: ``f(episode_id) -> bool``: whether a video starts at this episode.
            step_trigger: ``f(step_id) -> bool``: whether a video starts after this step.
            video_length: Frames per video; 0 records whole episodes (episode videos) or until
                the next reset (step videos).
            name_prefix: The start of every file name.
            fps: Frames per second of the videos, instead of ``metadata["render_fps"]``.
            disable_logger: Accepted for compatibility (gymrec does not use moviepy).
            gc_trigger: ``f(episode_id) -> bool``: whether to run ``gc.collect()`` after a
                finished video (asked with the episode id when gymrec reports the video
                written, which may be a call or two after it stopped).
            overwrite: Whether existing videos are overwritten (after a warning) or refused.
            format: ``"mp4"`` (the default), ``"webm"``, ``"gif"`` or ``"png"``; those this
                build writes are :data:`gymrec.FORMATS` (the wheel, which links no FFmpeg, has
                no ``"webm"``: asking for it raises ``ValueError`` saying what to install).
            overlay: Burn the episode, step and return into every frame.
            gallery: Write a sidecar per video, ``index.jsonl`` and ``index.html``.
            on_video: ``f(video)``, called once per finished video with a
                :class:`gymrec.FinishedVideo`, in the order the videos were started, on this
                thread at the ``reset``/``step`` after gymrec reports the video written (it is
                finished in the background), or at ``stop_recording()``/``close()``. Its
                exception is raised from that call (as a trigger's is); the file stays. Videos
                finalized at garbage collection or interpreter exit are not handed over.
            wandb: Log each finished video (mp4, webm, gif) to the active W&B run as
                ``wandb.Video``: ``True`` always, ``None`` (the default) when
                ``wandb.init(monitor_gym=True)`` was called, ``False`` never. Without ``wandb``
                imported or an active run, nothing happens (``wandb`` is never imported).
            wandb_key: The key videos are logged under.
            mlflow: Log each finished video, with its poster and sidecar (``gallery=True``), to
                an MLflow run as artifacts under ``videos/``, on a thread of its own (the loop
                never waits; a failed upload is a warning naming the server and the file, tried
                again later; the local file is kept):

                - ``None`` (the default): to the ``mlflow`` package's active run, when it is
                  imported and a run is active as the video finishes (``mlflow.start_run()``);
                  else nothing (``mlflow`` is never imported).
                - ``True``: to the active run of the ``mlflow`` package when one is active now
                  (a video finished with none active is warned about); else through gymrec's
                  own client to the server at ``MLFLOW_TRACKING_URI`` (``ValueError`` when
                  unset), as ``mlflow="http://HOST:PORT"`` does.
                - ``"http://HOST:PORT"``: gymrec's own client (in Rust, plain HTTP) logs every
                  episode's return and length as metrics and each video to a run it creates
                  on that server; ``close()`` and ``stop_recording()`` wait for the uploads (at
                  most 300 s) and end the run (FAILED when something was not sent, which is
                  warned about).
                - ``False``: never.
            mlflow_experiment: The experiment of gymrec's own client (created when missing;
                default ``"gymrec"``). With the ``mlflow`` package's run, the run decides.
            mlflow_run_name: The run name of gymrec's own client (default: the env id, then
                ``-{name_prefix}`` when the prefix is not the default).
            keep: A rule of :mod:`gymrec.keep` (``keep.failures()``, ``keep.best(2, every=20)``,
                ...): only the videos it keeps stay, judged by gymrec's recorder as their
                episodes end (from each episode's return, length, ``terminated``,
                ``truncated`` and the JSON-able part of its last ``info``); the others are
                deleted before ``on_video``, the gallery or a tracker hears of them. Frames are
                rendered and encoded for every triggered video all the same.
            keep_last: Keep at most this many finished videos of ``name_prefix`` in the folder
                (any outcome, any worker): the oldest go first, with their gallery files.
            max_bytes: Keep the folder's finished videos of ``name_prefix`` within this many
                bytes, the oldest going first (the newest is always kept).
            outcome_in_name: Whether a kept video's name ends with the rule's label
                (``rl-video-episode-7-failure.mp4``); default: on with ``keep``.
            name_suffix: ``f(episodes) -> str | None``, from the :class:`gymrec.keep.EpisodeEnd`
                of the episodes that end in the video: a suffix of your own for its name
                (ASCII letters, digits and ``_``), instead of the rule's label.
            snapshot: ``f(env) -> bytes``, the env's state at a recorded step, handed to the
                recorder instead of a rendered frame (with ``render_snapshot``); with ``keep``
                only the kept videos' states are ever rendered (see :mod:`gymrec.snapshots`).
                ``None`` (the default): Gymnasium's MuJoCo envs do so by themselves with
                ``keep`` (:func:`gymrec.snapshots.mujoco_snapshot`); ``False``: never.
            render_snapshot: ``g(env, state) -> frame``, drawing a state ``snapshot`` saved
                with the env's own renderer, on this thread, when its video is kept (at the
                ``step``/``reset``/``close`` that decided); it must leave the env as it found
                it. The first recorded step renders once, to learn the frame size and set the
                env's renderer up as a live recording would.
        """
        args: dict[str, Any] = dict(
            video_folder=video_folder,
            episode_trigger=episode_trigger,
            step_trigger=step_trigger,
            video_length=video_length,
            name_prefix=name_prefix,
            fps=fps,
            disable_logger=disable_logger,
            gc_trigger=gc_trigger,
            overwrite=overwrite,
            format=format,
            overlay=overlay,
            gallery=gallery,
            on_video=on_video,
            wandb=wandb,
            wandb_key=wandb_key,
            mlflow=mlflow,
            mlflow_experiment=mlflow_experiment,
            mlflow_run_name=mlflow_run_name,
            keep=keep,
            keep_last=keep_last,
            max_bytes=max_bytes,
            outcome_in_name=outcome_in_name,
            name_suffix=name_suffix,
        )
        gym.utils.RecordConstructorArgs.__init__(
            self, **args, snapshot=snapshot, render_snapshot=render_snapshot
        )
        gym.Wrapper.__init__(self, env)

        self._start_recorder(env, **args)
        self._choose_snapshots(snapshot, render_snapshot, keep)

    def _choose_snapshots(
        self,
        snapshot: Callable[[Any], bytes] | bool | None,
        render_snapshot: Callable[[Any, bytes], Any] | None,
        keep: Keep | None,
    ) -> None:
        """Hands the recorder snapshots instead of frames: with the hooks given, or for a
        MuJoCo env under a keep rule."""
        if callable(snapshot):
            if not callable(render_snapshot):
                raise TypeError(
                    f"gymrec: snapshot={snapshot!r} needs render_snapshot=g(env, state) -> "
                    f"frame to draw its states; render_snapshot is {render_snapshot!r}"
                )
            self._snapshot, self._render_snapshot = snapshot, render_snapshot
        elif snapshot not in (None, True, False):
            raise TypeError(
                f"gymrec: snapshot={snapshot!r}; use a callable f(env) -> bytes, None (MuJoCo "
                "envs by themselves under keep=) or False"
            )
        elif render_snapshot is not None:
            raise TypeError(
                "gymrec: render_snapshot= is given without snapshot=f(env) -> bytes, which "
                "saves the states it draws"
            )
        elif (
            snapshot is not False
            and (keep is not None or snapshot is True)
            and self.env.render_mode == "rgb_array"
            and snapshots.is_mujoco(self.env)
        ):
            self._snapshot = snapshots.mujoco_snapshot
            self._render_snapshot = snapshots.mujoco_render_snapshot
        elif snapshot is True:
            raise ValueError(
                f"gymrec: snapshot=True, but {self.env} is no Gymnasium MuJoCo env in "
                "render_mode 'rgb_array'; pass snapshot=f(env) -> bytes and "
                "render_snapshot=g(env, state) -> frame"
            )
        if self._snapshot is not None:
            self._recorder_made()

    def _recorder_made(self) -> None:
        """Gives a new recorder the replay of this wrapper's snapshots (held weakly: the
        recorder outlives no wrapper)."""
        if self._render_snapshot is None:
            return
        wrapper = weakref.ref(self)

        def replay(state: bytes) -> Any:
            live = wrapper()
            if live is None or live._render_snapshot is None:
                raise RuntimeError("gymrec: the RecordVideo whose snapshots these are is gone")
            return live._render_snapshot(live.env, state)

        self._recorder.set_snapshot_replay(replay)

    def _capture_frame(self) -> None:
        if self._snapshot is not None:
            self._capture_snapshot()
            return
        frame = self.env.render()
        if isinstance(frame, list):
            if len(frame) == 0:
                logger.warn(
                    "Trying to capture render frame but 'env.render()' has just been called. "
                    "The frame cannot be captured."
                )
                return
            self.render_history += frame
            frame = frame[-1]
        if isinstance(frame, np.ndarray):
            self._recorder.submit_frame(frame)
        else:
            self._recorder.stop()
            logger.warn(
                "Recording stopped: expected type of frame returned by render to be a numpy "
                f"array, got instead {type(frame)}."
            )

    def _capture_snapshot(self) -> None:
        """Hands over the env's state instead of a frame. The first time renders once, to learn
        the size and to set the env's renderer up when a live recording would: Gymnasium's
        MuJoCo camera looks at where the model is at its first render."""
        assert self._snapshot is not None
        if self._snapshot_size is None:
            frame = self.env.render()
            if not isinstance(frame, np.ndarray) or frame.ndim != 3:
                raise ValueError(
                    f"gymrec: snapshot= needs render() to give an (height, width, 3) array, "
                    f"got {type(frame).__name__}"
                )
            self._snapshot_size = (int(frame.shape[1]), int(frame.shape[0]))
        self._recorder.submit_snapshot(self._snapshot(self.env), *self._snapshot_size)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Resets the env; the episode trigger may start a video, which gets the reset frame."""
        obs, info = super().reset(seed=seed, options=options)
        if self._recorder.begin_episode():
            self._capture_frame()
        if self._watches_videos:
            self._after_video()
        return obs, info

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Steps the env; records the frame after the step while a video runs."""
        obs, rew, terminated, truncated, info = self.env.step(action)
        if self._recorder.step_ended(float(rew), bool(terminated), bool(truncated), info):
            self._capture_frame()
        if self._watches_videos:
            self._after_video()
        return obs, rew, terminated, truncated, info

    def render(self) -> RenderFrame | list[RenderFrame]:
        """The env's render; with ``rgb_array_list``, also the frames the wrapper captured since
        the last call (and frames rendered while a video runs go into it, as in Gymnasium)."""
        render_out = super().render()
        if self.recording and isinstance(render_out, list):
            for frame in render_out:
                self._recorder.submit_frame(frame)
        if len(self.render_history) > 0:
            tmp_history = self.render_history
            self.render_history = []
            # render_history is filled in rgb_array_list mode only, where render_out is a list.
            return tmp_history + cast("list[RenderFrame]", render_out)
        # Never None: the render mode gives images (checked at construction).
        return cast("RenderFrame | list[RenderFrame]", render_out)

    def close(self) -> None:
        """Closes the env, then finalizes the running video; raises the first recording error
        (a full disk, an encoder failure) not yet raised. With snapshots, the video is
        finalized first: a kept video's states are drawn by the env, which must be open."""
        if self._snapshot is None:
            super().close()
            self._close_recorder()
            return
        try:
            self._close_recorder()
        finally:
            super().close()
