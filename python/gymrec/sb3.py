"""``gymrec.sb3``: Stable-Baselines3's video recording through gymrec's Rust recorder.

- :class:`VecVideoRecorder`, the drop-in for
  ``stable_baselines3.common.vec_env.VecVideoRecorder`` (change one import).
- :class:`VideoEvalCallback`, a training callback that records evaluation episodes: clips in a
  folder, GIF previews in the run's TensorBoard log dir, videos to W&B.

Importing this module imports ``stable_baselines3`` (which gymrec does not depend on).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Callable, cast

import numpy as np
from gymnasium import logger
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import (
    DummyVecEnv,
    SubprocVecEnv,
    VecEnv,
    VecEnvWrapper,
)
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn

from gymrec._common import Recording
from gymrec.finished import FinishedVideo
from gymrec.keep import EpisodeEnd, Keep

__all__ = ["VecVideoRecorder", "VideoEvalCallback"]


class _Described:
    """What the recorder is told about a ``VecEnv``: its render mode, its sub-envs' metadata
    (for ``render_fps``) and spec (for the env id), as SB3's recorder reads them."""

    def __init__(self, venv: VecEnv, metadata: dict[str, Any]) -> None:
        self.render_mode = venv.render_mode
        self.metadata = metadata
        try:
            self.spec = venv.get_attr("spec", indices=[0])[0]
        except Exception:  # a VecEnv of sub-envs without a spec attribute
            self.spec = None
        self.unwrapped = venv.unwrapped


class _VideoRecorderView:
    """``VecVideoRecorder.video_recorder``: the attribute SB3 removed in 2.4 and
    huggingface_sb3 still reads (``env.video_recorder.path``, the last video's file)."""

    def __init__(self, wrapper: VecVideoRecorder) -> None:
        self._wrapper = wrapper

    @property
    def path(self) -> str:
        """The last video's file (started, or finished at ``close()``)."""
        return self._wrapper.video_path


class VecVideoRecorder(Recording, VecEnvWrapper):
    """Records videos of a ``VecEnv``, as Stable-Baselines3's ``VecVideoRecorder`` does, through
    gymrec's Rust recorder: frames stream to an encoder thread instead of being kept in a list
    and written by moviepy at the end (memory stays flat; no moviepy needed).

    SB3's signature, counting and names: ``step_id`` counts vector steps from 0;
    ``record_video_trigger(step_id)`` is asked at each ``reset()`` (where a firing trigger
    restarts a running video) and after each step while no video runs, never within a video's
    ``video_length`` steps; a video started at ``step_id`` ``s`` is
    ``{name_prefix}-step-{s}-to-step-{s + video_length}.mp4`` in ``video_folder`` (made
    absolute). The attributes ``video_folder``, ``video_name``, ``video_path``, ``recording``,
    ``step_id``, ``frames_per_sec``, ``record_video_trigger`` and ``video_recorder.path`` (the
    last video's file, which huggingface_sb3's ``package_to_hub`` reads) are SB3's.

    The frames are every sub-env's, tiled as ``VecEnv.render()`` tiles them (``ceil(sqrt(n))``
    rows, black padding cells), or sub-env 0's alone with ``record_first_only=True``; they are
    read through any wrappers (``VecNormalize``, ``VecFrameStack``, ``VecMonitor``) from the
    sub-envs, ``SubprocVecEnv``'s included.

    Deliberate differences from SB3:

    - A video holds exactly ``video_length`` frames, those of steps ``s`` to
      ``s + video_length - 1`` (SB3 writes ``video_length + 1``, through ``s + video_length``);
      the name and the steps in which the trigger is not asked are SB3's.
    - ``close()`` (or garbage collection, or the interpreter's exit) finishes the running video;
      SB3 loses it unless ``close()`` is called.
    - A ``reset()`` while a video runs records the reset frame into it.
    - Each sub-env 0 episode's return and length are booked for the sidecars and
      ``on_video`` (from the rewards this wrapper sees: normalized under ``VecNormalize``).

    gymrec's keyword-only extras are those of :class:`gymrec.RecordVideo` (``overwrite``,
    ``format``, ``overlay``, ``gallery``, ``on_video``, ``wandb``, ``wandb_key``, the keep
    options ``keep``, ``keep_last``, ``max_bytes``, ``outcome_in_name``, ``name_suffix`` (judged
    on sub-env 0's episodes: ``terminated`` and ``truncated`` from ``infos[0]``'s
    ``TimeLimit.truncated``, the info without ``terminal_observation``) and any option the
    recorder takes), plus ``record_first_only``, ``episode_trigger`` (videos of sub-env 0's
    episodes, ``{name_prefix}-episode-{id}``, besides the step trigger's) and ``fps`` (instead
    of the sub-envs' ``metadata["render_fps"]``).
    """

    def __init__(
        self,
        venv: VecEnv,
        video_folder: str | os.PathLike[str],
        record_video_trigger: Callable[[int], bool] | None,
        video_length: int = 200,
        name_prefix: str = "rl-video",
        *,
        record_first_only: bool = False,
        episode_trigger: Callable[[int], bool] | None = None,
        fps: int | None = None,
        overwrite: bool = True,
        format: str | None = None,
        overlay: bool = False,
        gallery: bool = False,
        on_video: Callable[[FinishedVideo], object] | None = None,
        wandb: bool | None = None,
        wandb_key: str = "videos",
        keep: Keep | None = None,
        keep_last: int | None = None,
        max_bytes: int | None = None,
        outcome_in_name: bool | None = None,
        name_suffix: Callable[[list[EpisodeEnd]], str | None] | None = None,
        **options: Any,
    ) -> None:
        """Wraps ``venv`` to record videos into ``video_folder``; see the class docs."""
        VecEnvWrapper.__init__(self, venv)
        self.env = venv
        # SB3's own reading of the metadata: the first sub-env's, set on the wrapped VecEnv.
        base = venv
        while isinstance(base, VecEnvWrapper):
            base = base.venv
        if isinstance(base, (DummyVecEnv, SubprocVecEnv)):
            metadata = base.get_attr("metadata")[0]
        else:
            metadata = base.metadata
        self.env.metadata = metadata
        if self.env.render_mode != "rgb_array":
            raise ValueError(
                f"gymrec: the render_mode must be 'rgb_array', not {self.env.render_mode!r}: "
                "make the sub-envs with render_mode='rgb_array' (make_vec_env(..., "
                "env_kwargs={'render_mode': 'rgb_array'}))"
            )
        self.record_video_trigger = record_video_trigger
        self._start_recorder(
            _Described(venv, metadata),
            video_folder=os.path.abspath(video_folder),
            episode_trigger=episode_trigger,
            step_trigger=record_video_trigger,
            video_length=video_length,
            name_prefix=name_prefix,
            fps=fps,
            disable_logger=True,
            gc_trigger=None,
            record_first_only=record_first_only,
            on_video=on_video,
            wandb=wandb,
            wandb_key=wandb_key,
            overwrite=overwrite,
            format=format,
            overlay=overlay,
            gallery=gallery,
            step_videos="sb3",
            keep=keep,
            keep_last=keep_last,
            max_bytes=max_bytes,
            outcome_in_name=outcome_in_name,
            name_suffix=name_suffix,
            **options,
        )
        # SB3's attribute is the frames per video itself (no 0 for "whole episodes").
        self.video_length = video_length
        self.video_recorder = _VideoRecorderView(self)

    @property
    def step_id(self) -> int:
        """Vector steps taken so far (SB3's counter: 0 before the first step)."""
        return self._recorder.step_id + 1

    @property
    def video_path(self) -> str:
        """The last video's file: the running one, or the last one finished; ``""`` before the
        first (SB3 has no attribute then; an AttributeError here would send SB3's
        ``VecEnvWrapper.__getattr__`` round in circles)."""
        path = self._recorder.video_path
        return "" if path is None else os.fspath(path)

    @property
    def video_name(self) -> str:
        """The last video's file name."""
        return os.path.basename(self.video_path)

    def reset(self) -> VecEnvObs:
        """Resets the sub-envs; the trigger is asked with ``step_id`` and may (re)start a
        video, which gets the reset frame."""
        obs = self.venv.reset()
        if self._recorder.begin_episode():
            self._capture_frame()
        if self._watches_videos:
            self._after_video()
        return obs

    def step_wait(self) -> VecEnvStepReturn:
        """Waits for the step; records its frame while a video runs, else asks the trigger."""
        obs, rewards, dones, infos = self.venv.step_wait()
        done = bool(dones[0])
        # SB3's TimeLimit marks a truncation in the info; the rest of a done is a termination.
        truncated = done and bool(infos[0].get("TimeLimit.truncated", False))
        ended = None
        if done and self._reads_ends:
            ended = {k: v for k, v in infos[0].items() if k != "terminal_observation"}
        wants = self._recorder.step_ended(
            float(rewards[0]), done and not truncated, truncated, ended
        )
        if dones[0]:
            # SB3's VecEnvs reset a finished sub-env within the step: the frame is the new
            # episode's first.
            wants = self._recorder.begin_episode_at_step()
        if wants:
            self._capture_frame()
        if self._watches_videos:
            self._after_video()
        return obs, rewards, dones, infos

    def _capture_frame(self) -> None:
        if self.record_first_only:
            frames: Sequence[Any] = self.venv.env_method("render", indices=[0])
        else:
            frames = self.venv.get_images()
        if not all(isinstance(frame, np.ndarray) for frame in frames):
            self._recorder.stop()
            kinds = sorted({type(frame).__name__ for frame in frames})
            logger.warn(
                "Recording stopped: expected type of frame returned by render to be a numpy "
                f"array, got instead {', '.join(kinds)}."
            )
            return
        if self.record_first_only:
            self._recorder.submit_frame(frames[0])
        else:
            self._recorder.submit_tiles(list(frames))

    def close(self) -> None:
        """Closes the wrapped VecEnv, then finishes the running video; raises the first
        recording error not yet raised."""
        VecEnvWrapper.close(self)
        self._close_recorder()


class VideoEvalCallback(BaseCallback):
    """Records evaluation episodes during training: every ``eval_freq`` calls (steps of the
    training VecEnv, as SB3's ``EvalCallback`` counts them), runs ``n_eval_episodes`` episodes
    of ``model`` on ``eval_env`` with ``evaluate_policy`` and records sub-env 0's, each episode
    a clip ``{name_prefix}-step-{num_timesteps}-episode-{i}.mp4`` in ``video_folder``.

    Each clip's GIF preview goes to the run's TensorBoard log dir (the model's logger folder when
    it writes TensorBoard, or ``tensorboard_log``), written by gymrec (no moviepy, no
    TensorFlow), under ``tensorboard_tag`` at step ``num_timesteps + i``; ``tensorboard=False``
    turns it off. ``wandb`` / ``wandb_key`` log each clip to the active W&B run as
    :class:`gymrec.RecordVideo` does, ``on_video`` is handed each
    :class:`gymrec.FinishedVideo`; other keyword options (``format``, ``overlay``, ``gallery``,
    a tracker's, the keep options: ``keep=gymrec.keep.worst(1, every=n_eval_episodes)`` keeps
    each evaluation's worst episode) go to the recorder; each evaluation has a recorder of its
    own, so ``best``/``worst`` windows are decided at its end at the latest. The mean return
    and episode length are logged to the model's logger as ``eval/mean_reward`` and
    ``eval/mean_ep_length``.
    """

    def __init__(
        self,
        eval_env: VecEnv,
        eval_freq: int = 10_000,
        n_eval_episodes: int = 1,
        video_folder: str | os.PathLike[str] = "videos",
        *,
        deterministic: bool = True,
        name_prefix: str = "eval",
        tensorboard: bool = True,
        tensorboard_log: str | os.PathLike[str] | None = None,
        tensorboard_tag: str = "eval/videos",
        on_video: Callable[[FinishedVideo], object] | None = None,
        wandb: bool | None = None,
        wandb_key: str = "eval/videos",
        verbose: int = 0,
        **options: Any,
    ) -> None:
        """Records ``n_eval_episodes`` episodes of ``eval_env`` every ``eval_freq`` calls."""
        super().__init__(verbose)
        if eval_freq < 1 or n_eval_episodes < 1:
            raise ValueError(
                f"gymrec: eval_freq is {eval_freq} and n_eval_episodes {n_eval_episodes}; both "
                "must be at least 1"
            )
        if not isinstance(eval_env, VecEnv):
            env = eval_env
            eval_env = DummyVecEnv([lambda: env])
        self.eval_env: VecEnv = eval_env
        self.eval_freq = eval_freq
        self.n_eval_episodes = n_eval_episodes
        self.video_folder = os.path.abspath(video_folder)
        self.deterministic = deterministic
        self.name_prefix = name_prefix
        self.tensorboard = tensorboard
        self.tensorboard_log = None if tensorboard_log is None else os.fspath(tensorboard_log)
        self.tensorboard_tag = tensorboard_tag
        self.on_video = on_video
        self.wandb = wandb
        self.wandb_key = wandb_key
        self.options = options
        #: Every clip recorded so far, in order.
        self.videos: list[FinishedVideo] = []
        #: Each evaluation's ``(num_timesteps, returns, lengths)``, one entry per episode.
        self.evaluations: list[tuple[int, list[float], list[int]]] = []

    def _tensorboard_dir(self) -> str | None:
        """Where the previews go: ``tensorboard_log``, else the model logger's folder when it
        writes TensorBoard events."""
        if not self.tensorboard:
            return None
        if self.tensorboard_log is not None:
            return self.tensorboard_log
        from stable_baselines3.common.logger import TensorBoardOutputFormat

        for output in self.logger.output_formats:
            if isinstance(output, TensorBoardOutputFormat):
                return self.logger.get_dir()
        return None

    def _on_step(self) -> bool:
        if self.n_calls % self.eval_freq == 0:
            self.record_evaluation()
        return True

    def record_evaluation(self) -> list[FinishedVideo]:
        """Runs one evaluation now and records it; returns its clips (also kept in
        ``videos``)."""
        timesteps = self.num_timesteps
        run_dir = self._tensorboard_dir()
        clips: list[FinishedVideo] = []

        def finished(video: FinishedVideo) -> None:
            clips.append(video)
            if self.on_video is not None:
                self.on_video(video)

        episodes = self.n_eval_episodes
        recorder = VecVideoRecorder(
            self.eval_env,
            self.video_folder,
            record_video_trigger=None,
            video_length=0,
            name_prefix=f"{self.name_prefix}-step-{timesteps}",
            record_first_only=True,
            episode_trigger=lambda episode: episode < episodes,
            on_video=finished,
            wandb=self.wandb,
            wandb_key=self.wandb_key,
            tensorboard=run_dir,
            tensorboard_tag=self.tensorboard_tag,
            tensorboard_step=timesteps,
            tensorboard_episodes=False,
            **self.options,
        )
        try:
            evaluated = evaluate_policy(
                self.model,
                recorder,
                n_eval_episodes=episodes,
                deterministic=self.deterministic,
                return_episode_rewards=True,
                warn=False,
            )
        finally:
            # Finishes the clips, leaving eval_env open for the next evaluation.
            recorder.stop_recording()
            recorder._recorder.finalize()
        self.videos.extend(clips)
        # With return_episode_rewards, two lists: each episode's return and length.
        returns, lengths = cast("tuple[list[float], list[int]]", evaluated)
        self.evaluations.append((timesteps, [float(r) for r in returns], [int(n) for n in lengths]))
        self.logger.record("eval/mean_reward", float(np.mean(returns)))
        self.logger.record("eval/mean_ep_length", float(np.mean(lengths)))
        return clips
