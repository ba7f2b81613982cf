"""``gymrec.vector.RecordVideo``: the drop-in for ``gymnasium.wrappers.vector.RecordVideo``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, cast
from warnings import warn

import gymnasium as gym
import numpy as np
from gymnasium import logger
from gymnasium.core import ActType, ObsType, RenderFrame
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from gymrec._common import Recording
from gymrec.finished import FinishedVideo
from gymrec.keep import EpisodeEnd, Keep

__all__ = ["RecordVideo"]

if TYPE_CHECKING:
    _VectorWrapper = VectorWrapper[ObsType, ActType, ObsType, ActType, np.ndarray]
else:
    # Gymnasium made VectorWrapper generic in 1.4.0; before, subscripting it is a TypeError.
    _VectorWrapper = VectorWrapper


class RecordVideo(
    Recording,
    _VectorWrapper,
    gym.utils.RecordConstructorArgs,
):
    """Records videos of a vector env, as ``gymnasium.wrappers.vector.RecordVideo`` does,
    through gymrec's Rust recorder.

    Episodes are sub-env 0's, counted as Gymnasium counts them under each of the three
    autoreset modes (``metadata["autoreset_mode"]``): next-step (the episode begins at the step
    after the one where sub-env 0's ended), same-step (at that step; the episode's last frame
    is not shown) and disabled (at ``reset``, unless ``options["reset_mask"][0]`` is false).
    Steps count vector steps. The file names, triggers, fps and folder rules are those of
    :class:`gymrec.RecordVideo`, with the same deliberate differences (exactly
    ``video_length`` frames, finalized at garbage collection, no frame dropped, playable after a
    crash, odd sizes padded, encoding on a Rust thread).

    The frames tile every sub-env into gymrec's near-square grid (``ceil(sqrt(n))`` columns,
    black padding cells: 3 sub-envs are 2 x 2), or show sub-env 0 alone with
    ``record_first_only=True``. ``video_aspect_ratio`` is accepted for compatibility but does
    not change the grid (Gymnasium picks an exact factorization nearest that ratio, so a prime
    number of sub-envs becomes one long strip).
    """

    def __init__(
        self,
        env: VectorEnv[ObsType, ActType, np.ndarray],
        video_folder: str | os.PathLike[str],
        video_aspect_ratio: tuple[int, int] = (1, 1),
        record_first_only: bool = False,
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
    ):
        """Wraps the vector env ``env`` to record videos into ``video_folder``; the arguments are
        those of :class:`gymrec.RecordVideo` (with ``on_video``, ``wandb``, ``wandb_key`` and
        ``mlflow``, ``mlflow_experiment``, ``mlflow_run_name``, and the keep options ``keep``,
        ``keep_last``, ``max_bytes``, ``outcome_in_name``, ``name_suffix``, judged on sub-env
        0's episodes and the sub-env 0 part of the vector info),
        plus ``video_aspect_ratio`` (accepted, unused) and ``record_first_only`` (sub-env 0
        alone instead of the grid)."""
        VectorWrapper.__init__(self, env)
        args: dict[str, Any] = dict(
            video_folder=video_folder,
            video_aspect_ratio=video_aspect_ratio,
            record_first_only=record_first_only,
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
        gym.utils.RecordConstructorArgs.__init__(self, **args)

        self._start_recorder(env, **args)
        autoreset_mode = env.metadata.get("autoreset_mode", None)
        if autoreset_mode is not None:
            self.autoreset_mode = AutoresetMode(autoreset_mode)
        else:
            warn(
                f"{env} metadata doesn't specify its autoreset mode ({env.metadata!r}), "
                "therefore, defaulting to next step.",
                stacklevel=2,
            )
            self.autoreset_mode = AutoresetMode.NEXT_STEP
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            logger.warn(
                "Vector environment's autoreset mode is same-step "
                "(https://farama.org/Vector-Autoreset-Mode). Recorded episodes will not contain "
                "the last frame of the episode."
            )
        self.has_autoreset = False

    def _capture_frame(self) -> None:
        envs_frame = self.env.render()
        if not isinstance(envs_frame, Sequence) or len(envs_frame) != self.num_envs:
            raise ValueError(
                f"gymrec: the vector env's render() gave {type(envs_frame).__name__} "
                f"{'' if not isinstance(envs_frame, Sequence) else len(envs_frame)}; expected a "
                f"sequence of {self.num_envs} frames, one per sub-env"
            )
        if self.record_first_only:
            self._recorder.submit_frame(envs_frame[0])
        else:
            self._recorder.submit_tiles(list(envs_frame))

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Resets the sub-envs; a reset of sub-env 0 begins an episode."""
        if options is None or "reset_mask" not in options or options["reset_mask"][0]:
            self._recorder.begin_episode()
        # Gymnasium's VectorEnv.reset types one seed; its sync and async envs take a list too.
        obs, info = super().reset(seed=cast("int | None", seed), options=options)
        if self.recording:
            self._capture_frame()
        self.has_autoreset = False
        if self._watches_videos:
            self._after_video()
        return obs, info

    def step(
        self, actions: ActType
    ) -> tuple[ObsType, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps the sub-envs; records the frame after the step while a video runs."""
        obs, rewards, terminations, truncations, info = self.env.step(actions)
        terminated, truncated = bool(terminations[0]), bool(truncations[0])
        done = terminated or truncated
        mode = self.autoreset_mode
        if mode == AutoresetMode.NEXT_STEP and self.has_autoreset:
            wants = self._recorder.autoreset_step()
        elif mode == AutoresetMode.SAME_STEP and done and self._reads_ends:
            # The episode's end for the keep rule, then the next one began at this step.
            final = info.get("final_info") if info.get("_final_info", [False])[0] else None
            ended = _sub_env_info(final if isinstance(final, dict) else info, 0)
            self._recorder.step_ended(float(rewards[0]), terminated, truncated, ended)
            wants = self._recorder.begin_episode_at_step()
        elif mode == AutoresetMode.SAME_STEP and done:
            wants = self._recorder.autoreset_step()
        else:
            last = _sub_env_info(info, 0) if done and self._reads_ends else None
            wants = self._recorder.step_ended(float(rewards[0]), terminated, truncated, last)
        if mode == AutoresetMode.NEXT_STEP:
            self.has_autoreset = done
        if wants:
            self._capture_frame()
        if self._watches_videos:
            self._after_video()
        return obs, rewards, terminations, truncations, info

    def render(self) -> tuple[RenderFrame, ...] | None:
        """The vector env's render, as Gymnasium's wrapper returns it."""
        render_out = super().render()
        if len(self.render_history) > 0:
            # Gymnasium's code; neither its vector wrapper nor this one fills render_history.
            tmp_history = self.render_history
            self.render_history = []
            return tmp_history + render_out  # type: ignore[operator, no-any-return]
        return render_out

    def close(self, **kwargs: Any) -> None:
        """Closes the sub-envs, then finalizes the running video; raises the first recording
        error not yet raised."""
        super().close(**kwargs)
        self._close_recorder()


def _sub_env_info(info: dict[str, Any], index: int) -> dict[str, Any]:
    """Sub-env ``index``'s part of a vector env's info: each key's item ``index`` where its
    ``_key`` mask says the sub-env has it, nested dicts alike."""
    part: dict[str, Any] = {}
    for key, value in info.items():
        if key.startswith("_"):
            continue
        mask = info.get("_" + key)
        try:
            if mask is not None and not mask[index]:
                continue
            part[key] = _sub_env_info(value, index) if isinstance(value, dict) else value[index]
        except (IndexError, KeyError, TypeError):
            continue
    return part
