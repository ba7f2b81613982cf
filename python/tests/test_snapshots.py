"""Paying only for kept videos: with a keep rule, gymrec.RecordVideo hands the recorder the
env's state instead of a frame, and only kept videos are rendered (by the env, at the decision).
Gymnasium's MuJoCo envs do so by themselves (HalfCheetah-v5, 64x64, rendered through OSMesa:
skipped without the ``mujoco`` package); other envs through ``snapshot=`` and
``render_snapshot=`` hooks."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from conftest import decode, videos
from test_keep import Outcomes

import gymrec
from gymrec import keep, snapshots

STEPS = 8
SEEDS = [11, 12, 13]


class CountRenders(gym.Wrapper):
    """Counts ``render()`` calls (the env's own rendering, what snapshots spare)."""

    def __init__(self, env):
        super().__init__(env)
        self.renders = 0

    def render(self):
        self.renders += 1
        return self.env.render()


def pngs(folder: Path) -> np.ndarray:
    """The frames of a PNG-sequence video, decoded, in order."""
    files = sorted(folder.glob("*.png"))
    return np.stack([decode(f, 64, 64)[0] for f in files])


def cheetah():
    pytest.importorskip("mujoco")
    return gym.make(
        "HalfCheetah-v5", render_mode="rgb_array", width=64, height=64, max_episode_steps=STEPS
    )


def actions(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, 6).astype(np.float32) for _ in range(STEPS)]


def play(env) -> list[list[np.ndarray]]:
    """The seeded episodes; returns each step's observation (reset's first)."""
    observations = []
    for seed in SEEDS:
        obs, _ = env.reset(seed=seed)
        episode = [obs]
        for action in actions(seed):
            obs, *_ = env.step(action)
            episode.append(obs)
        observations.append(episode)
    return observations


def test_kept_mujoco_videos_are_the_live_frames_and_discarded_ones_cost_no_render(tmp_path):
    env = CountRenders(cheetah())
    recorded = gymrec.RecordVideo(
        env,
        tmp_path,
        episode_trigger=lambda e: True,
        keep=keep.best(1, every=len(SEEDS)),
        format="png",
    )
    observed = play(recorded)
    assert env.renders == 1  # the first frame's, setting the renderer up; then none until now
    recorded.close()
    # The live frames of the same seeds and actions, on an env of its own.
    live_env = cheetah()
    live = []
    returns = []
    for seed in SEEDS:
        live_env.reset(seed=seed)
        frames, ret = [live_env.render()], 0.0
        for action in actions(seed):
            _, reward, *_ = live_env.step(action)
            ret += float(reward)
            frames.append(live_env.render())
        live.append(np.stack(frames))
        returns.append(ret)
    best = int(np.argmax(returns))
    assert videos(tmp_path) == [f"rl-video-episode-{best}-best"]
    kept = pngs(tmp_path / f"rl-video-episode-{best}-best")
    assert kept.shape == (STEPS + 1, 64, 64, 3)
    np.testing.assert_array_equal(kept, live[best])
    # Only the kept episode's frames were rendered: the discarded two cost none.
    assert env.renders == 1 + STEPS + 1
    # The replay left the physics exactly where it was: the observations are those of an
    # env that was never recorded.
    assert [np.stack(e).tobytes() for e in observed] == [
        np.stack(e).tobytes() for e in play(cheetah())
    ]


def test_a_decision_mid_run_restores_the_mujoco_state_bit_for_bit(tmp_path):
    env = cheetah()
    recorded = gymrec.RecordVideo(
        env, tmp_path, episode_trigger=lambda e: True, keep=keep.when(lambda end: True)
    )
    data = env.unwrapped.data
    recorded.reset(seed=1)
    for action in actions(1):
        recorded.step(action)
    before = [np.array(a).tobytes() for a in (data.qpos, data.qvel, data.act, data.time)]
    recorded.reset(seed=2)  # ends nothing; the episode ended at its last step: decided there
    recorded.close()
    assert len(videos(tmp_path)) == 1
    # The state saved and drawn at each held step is put back exactly by the replay.
    state = snapshots.mujoco_snapshot(env)
    snapshots.mujoco_render_snapshot(env, state)
    after = [np.array(a).tobytes() for a in (data.qpos, data.qvel, data.act, data.time)]
    assert snapshots.mujoco_snapshot(env) == state
    assert before != after  # the reset moved on; the replay itself changed nothing


class Dial(Outcomes):
    """A pure-Python env whose frame is drawn from its state (episode, step): the hook path.
    Episodes of ``lengths``, the even ones successes."""

    def __init__(self, lengths):
        super().__init__([(n, 1.0, i % 2 == 0, "terminated") for i, n in enumerate(lengths)])
        self.renders = 0

    def draw(self, episode: int, t: int) -> np.ndarray:
        frame = np.zeros((24, 32, 3), dtype=np.uint8)
        frame[: 4 * (t + 1)] = (40 * episode % 256, 30 * t % 256, 200)
        return frame

    def render(self):
        self.renders += 1
        return self.draw(self.episode, self.t)


def test_hooks_render_only_kept_episodes_of_any_env(tmp_path):
    def snapshot(env):
        return bytes([env.unwrapped.episode, env.unwrapped.t])

    def render_snapshot(env, state):
        env.unwrapped.renders += 1
        return env.unwrapped.draw(state[0], state[1])

    env = Dial([3, 4, 5, 6])
    recorded = gymrec.RecordVideo(
        env,
        tmp_path / "held",
        episode_trigger=lambda e: True,
        keep=keep.failures(),
        snapshot=snapshot,
        render_snapshot=render_snapshot,
        format="png",
    )
    for _ in range(4):
        recorded.reset()
        done = False
        while not done:
            _, _, done, _, _ = recorded.step(0)
    recorded.close()
    # One render to learn the size, then the failures' frames (episodes 1 and 3: 5 + 7).
    assert env.renders == 1 + 5 + 7
    assert videos(tmp_path / "held") == [
        "rl-video-episode-1-failure",
        "rl-video-episode-3-failure",
    ]
    for e, length in ((1, 4), (3, 6)):
        frames = np.stack(
            [
                decode(p, 32, 24)[0]
                for p in sorted(
                    (tmp_path / "held" / videos(tmp_path / "held")[e // 2]).glob("*.png")
                )
            ]
        )
        np.testing.assert_array_equal(frames, np.stack([env.draw(e, t) for t in range(length + 1)]))


def test_bad_hooks_raise_clear_errors(tmp_path):
    env = Dial([3])
    with pytest.raises(TypeError, match="needs render_snapshot"):
        gymrec.RecordVideo(env, tmp_path, snapshot=lambda env: b"")
    with pytest.raises(TypeError, match="render_snapshot= is given without snapshot"):
        gymrec.RecordVideo(env, tmp_path, render_snapshot=lambda env, s: None)
    with pytest.raises(ValueError, match="no Gymnasium MuJoCo env"):
        gymrec.RecordVideo(env, tmp_path, snapshot=True)
    recorded = gymrec.RecordVideo(
        Dial([3]),
        tmp_path,
        episode_trigger=lambda e: True,
        keep=keep.when(lambda end: True),
        snapshot=lambda env: b"x",
        render_snapshot=lambda env, state: np.zeros((2, 2, 3), dtype=np.uint8),
    )
    recorded.reset()
    for _ in range(3):
        recorded.step(0)
    with pytest.raises(ValueError, match="render_snapshot gave a 2x2 frame"):
        recorded.close()
