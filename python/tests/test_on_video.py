"""``on_video``: the finished-video hook of both wrappers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import gymnasium as gym
import pytest
from conftest import mp4s, probe, run

import gymrec
from gymrec import FinishedVideo


def test_on_video_once_per_video_with_its_facts(tmp_path, cartpole):
    seen: list[FinishedVideo] = []
    returns: list[float] = []
    env = gymrec.RecordVideo(
        cartpole(), tmp_path, episode_trigger=lambda e: e % 2 == 0, on_video=seen.append
    )
    env = gym.wrappers.RecordEpisodeStatistics(env)
    env.action_space.seed(0)
    for e in range(5):
        env.reset(seed=e)
        done = False
        while not done:
            _, _, terminated, truncated, info = env.step(env.action_space.sample())
            done = terminated or truncated
        returns.append(float(info["episode"]["r"]))
    env.close()
    assert [v.path for v in seen] == mp4s(tmp_path)
    assert [v.episode_id for v in seen] == [0, 2, 4]
    for video in seen:
        assert isinstance(video.path, Path) and video.path.is_file()
        assert video.step_id is None
        assert video.episodes == (video.episode_id,)
        assert video.returns == (returns[video.episode_id],)
        assert video.frames == probe(video.path).frames
        assert video.fps == 50 == round(probe(video.path).fps)
        assert video.format == "mp4"
        assert video.incomplete is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].frames = 1  # type: ignore[misc]


def test_on_video_step_videos_and_stop_recording(tmp_path, cartpole):
    seen: list[FinishedVideo] = []
    env = gymrec.RecordVideo(
        cartpole(),
        tmp_path,
        step_trigger=lambda s: s % 30 == 0,
        video_length=7,
        on_video=seen.append,
    )
    run(env, 3)
    count = len(seen)
    env.stop_recording()
    env.close()
    assert [v.path for v in seen] == mp4s(tmp_path)
    assert len(seen) >= count and len({v.path for v in seen}) == len(seen)
    for video in seen:
        assert video.episode_id is None and video.step_id is not None
        assert video.step_id % 30 == 0
        assert video.frames == 7 == probe(video.path).frames


def test_on_video_vector_wrapper(tmp_path):
    seen: list[FinishedVideo] = []
    envs = gymrec.vector.RecordVideo(
        gym.vector.SyncVectorEnv(
            [lambda: gym.make("CartPole-v1", render_mode="rgb_array") for _ in range(2)]
        ),
        tmp_path,
        episode_trigger=lambda e: True,
        on_video=seen.append,
    )
    envs.action_space.seed(0)
    envs.reset(seed=0)
    for _ in range(60):
        envs.step(envs.action_space.sample())
    envs.close()
    assert len(seen) >= 2
    assert [v.path for v in seen] == mp4s(tmp_path)
    assert [v.episode_id for v in seen] == list(range(len(seen)))
    for video in seen:
        assert video.frames == probe(video.path).frames


def test_on_video_exception_surfaces_and_the_video_stays(tmp_path, cartpole):
    class Refused(Exception):
        pass

    calls: list[FinishedVideo] = []

    def refuse(video: FinishedVideo) -> None:
        calls.append(video)
        if len(calls) == 1:
            raise Refused(str(video.path))

    env = gymrec.RecordVideo(cartpole(), tmp_path, episode_trigger=lambda e: True, on_video=refuse)
    with pytest.raises(Refused) as raised:
        run(env, 4)
    first = Path(str(raised.value))
    assert first.is_file() and probe(first).frames == calls[0].frames
    # Recording goes on; the videos after the refused one are handed over later, once each.
    env.reset()
    env.close()
    assert [v.path for v in calls] == mp4s(tmp_path)
    assert calls[0].path == first


def test_on_video_exception_at_close_surfaces(tmp_path, cartpole):
    def refuse(video: FinishedVideo) -> None:
        raise KeyError(video.path.name)

    env = gymrec.RecordVideo(
        cartpole(), tmp_path, episode_trigger=lambda e: e == 0, on_video=refuse
    )
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    with pytest.raises(KeyError, match="rl-video-episode-0.mp4"):
        env.close()
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 4
