"""A user's script, type-checked (never run) by ``python/lint.sh`` with ``mypy --strict``
against the installed package (its ``py.typed`` and ``_native.pyi``): gymrec's public
signatures are usable from typed code and give the types Gymnasium's wrappers give. Not
collected by pytest (its name does not start with ``test_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from typing_extensions import assert_type

import gymrec
import gymrec.notebook
import gymrec.patching
import gymrec.vector
from gymrec import RecordState, RecordVideo, capped_cubic_video_schedule

assert_type(gymrec.__version__, str)
assert_type(capped_cubic_video_schedule(8), bool)


def every_tenth(episode_id: int) -> bool:
    return episode_id % 10 == 0


def record_cartpole() -> None:
    """The README's example, as a script writes it."""
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env = gymrec.RecordVideo(env, "videos", episode_trigger=lambda e: e % 10 == 0)
    obs, info = env.reset(seed=0)
    assert_type(info, dict[str, Any])
    for _ in range(100):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert_type(reward, SupportsFloat)
        assert_type(terminated, bool)
        if terminated or truncated:
            obs, info = env.reset()
    env.close()


def record_typed_env(env: gym.Env[np.ndarray, int]) -> RecordVideo[np.ndarray, int]:
    """Every argument, with a typed env: the wrapper keeps its observation and action types."""
    recorder = RecordVideo(
        env,
        Path("videos"),
        step_trigger=every_tenth,
        video_length=200,
        name_prefix="typed",
        fps=30,
        disable_logger=True,
        gc_trigger=None,
        overwrite=False,
        format="webm",
        overlay=True,
        gallery=True,
    )
    assert_type(recorder, RecordVideo[np.ndarray, int])
    assert_type(recorder.recording, bool)
    assert_type(recorder.episode_id, int)
    assert_type(recorder.step_id, int)
    assert_type(recorder.video_folder, str)
    assert_type(recorder.frames_per_sec, int)
    obs, _ = recorder.reset()
    assert_type(obs, np.ndarray)
    obs, _, _, _, _ = recorder.step(1)
    assert_type(obs, np.ndarray)
    recorder.stop_recording()
    return recorder


def record_vector() -> None:
    """The vector wrapper over ``gym.make_vec``."""
    envs = gym.make_vec("CartPole-v1", num_envs=4, render_mode="rgb_array")
    envs = gymrec.vector.RecordVideo(
        envs, "videos", episode_trigger=lambda e: e % 10 == 0, record_first_only=False
    )
    envs.reset(seed=0)
    _, rewards, terminations, truncations, _ = envs.step(envs.action_space.sample())
    assert_type(rewards, np.ndarray)
    assert_type(envs.recording, bool)
    frames = envs.render()
    assert_type(frames, "tuple[str | np.ndarray | tuple[np.ndarray, np.ndarray], ...] | None")
    envs.close()


def record_from_state() -> None:
    """velora's ``RecordState`` feeding the wrapper."""
    state = RecordState(Path("videos"), "episode", episode_trigger=every_tenth)
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), **state.to_wrapper())
    env.close()


def upload(video: gymrec.FinishedVideo) -> None:
    """A user's own uploader, as ``on_video``."""
    assert_type(video.path, Path)
    assert_type(video.episode_id, "int | None")
    assert_type(video.returns, "tuple[float, ...]")
    assert_type(video.frames, int)
    assert_type(video.poster, "Path | None")


def record_with_hooks() -> None:
    """``on_video``, W&B and MLflow on both wrappers."""
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        "videos",
        on_video=upload,
        wandb=True,
        mlflow=False,
    )
    env.close()
    envs = gymrec.vector.RecordVideo(
        gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array"),
        "videos",
        on_video=upload,
        wandb_key="clips",
        mlflow="http://127.0.0.1:5000",
        mlflow_experiment="cartpole",
        mlflow_run_name="random",
    )
    envs.close()


def patched_program() -> None:
    """``gymrec.patch()`` with defaults for the extras, then ``unpatch()``."""
    gymrec.patch(gallery=True, overlay=True, format="mp4", on_video=upload, wandb=False)
    assert_type(gymrec.patching.patched(), bool)
    gymrec.unpatch()


def notebook(video: gymrec.FinishedVideo) -> str:
    """What a notebook shows: a finished video, a folder, a GIF under a cap."""
    shown = gymrec.show(Path("videos"), max_mb=5)
    assert_type(shown.paths, list[Path])
    assert_type(gymrec.show(video), gymrec.notebook.Shown)
    return video._repr_html_() + shown._repr_html_() + gymrec.show("a.gif")._repr_html_()


def kept_clips() -> None:
    """Keep rules, names by outcome, retention and snapshot hooks, as a user types them."""
    rule = gymrec.keep.any_of(
        gymrec.keep.failures(success="truncated"),
        gymrec.keep.best(2, every=20),
        gymrec.keep.when(lambda end: end.length > 100 and end.info.get("x") == 1).named("long"),
    )
    assert_type(rule, gymrec.keep.Keep)

    def suffix(ends: list[gymrec.keep.EpisodeEnd]) -> str | None:
        return "short" if ends and ends[0].ret < 10.0 else None

    env = gymrec.RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        "videos",
        keep=rule,
        keep_last=50,
        max_bytes=10**9,
        outcome_in_name=True,
        name_suffix=suffix,
        snapshot=lambda env: b"",
        render_snapshot=lambda env, state: env.render(),
    )
    env.close()
