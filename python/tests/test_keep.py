"""Keep rules at episode end through the Python drop-ins (gymrec.RecordVideo, the vector one,
SB3's VecVideoRecorder): only kept videos exist, named by outcome, decoded back against the
same episodes recorded without a rule; retention; best/worst windows; a ``when`` callable and
a name suffix; bad options raise Python errors naming the value."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from conftest import decode, probe, videos
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import gymrec
from gymrec import keep

SIZE = (32, 24)


class Outcomes(gym.Env):
    """An env whose episodes follow ``plan`` (cycled): each ``(length, reward per step,
    is_success, "terminated" | "truncated")``; its frames are a flat colour of the episode and
    step, so that videos of different episodes differ."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, plan):
        self.plan = plan
        self.render_mode = "rgb_array"
        self.action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.spaces.Discrete(1)
        self.episode = -1
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode += 1
        self.t = 0
        return 0, {}

    def step(self, action):
        length, reward, success, end = self.plan[self.episode % len(self.plan)]
        self.t += 1
        done = self.t >= length
        info = {}
        if done:
            info = {
                "is_success": np.bool_(success),
                "score": np.float32(reward * length),
                "trace": np.arange(3),
                "object": object(),
            }
        return 0, float(reward), done and end == "terminated", done and end == "truncated", info

    def render(self):
        frame = np.zeros((SIZE[1], SIZE[0], 3), dtype=np.uint8)
        frame[..., 0] = (self.episode * 50) % 256
        frame[..., 1] = (self.t * 20) % 256
        return frame


# (length, reward, is_success, end); episodes 1 and 3 fail.
PLAN = [
    (3, 1.0, True, "terminated"),
    (5, 2.0, False, "truncated"),
    (4, 0.5, True, "terminated"),
    (2, 3.0, False, "terminated"),
]


def play(env, episodes: int) -> None:
    for _ in range(episodes):
        env.reset()
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(0)
            done = terminated or truncated
    env.close()


def record(folder: Path, episodes: int = 4, plan=PLAN, **options) -> list[str]:
    env = gymrec.RecordVideo(
        Outcomes(plan), folder, episode_trigger=lambda e: True, disable_logger=True, **options
    )
    play(env, episodes)
    return videos(folder)


def frames_of(path: Path) -> np.ndarray:
    return decode(path, *SIZE)


def test_record_video_keeps_only_failures_named_by_outcome(tmp_path):
    everything = record(tmp_path / "all")
    assert everything == [f"rl-video-episode-{e}.mp4" for e in range(4)]
    kept = record(tmp_path / "kept", keep=keep.failures())
    assert kept == ["rl-video-episode-1-failure.mp4", "rl-video-episode-3-failure.mp4"]
    for e in (1, 3):
        ours = frames_of(tmp_path / "kept" / f"rl-video-episode-{e}-failure.mp4")
        plain = frames_of(tmp_path / "all" / f"rl-video-episode-{e}.mp4")
        assert len(ours) == PLAN[e][0] + 1 == probe(tmp_path / "all" / everything[e]).frames
        np.testing.assert_array_equal(ours, plain)
    assert record(tmp_path / "plain", keep=keep.failures(), outcome_in_name=False) == [
        "rl-video-episode-1.mp4",
        "rl-video-episode-3.mp4",
    ]


@pytest.mark.parametrize(
    ("success", "kept"),
    [
        ("is_success", [0, 2]),
        (4.0, [1, 3]),  # returns 3, 10, 2, 6
        ("terminated", [0, 2, 3]),
        ("truncated", [1]),
    ],
)
def test_each_success_form(tmp_path, success, kept):
    assert record(tmp_path, keep=keep.successes(success)) == [
        f"rl-video-episode-{e}-success.mp4" for e in kept
    ]


def test_best_and_worst_per_window_against_the_returns(tmp_path):
    rng = np.random.default_rng(7)
    plan = [
        (int(n), float(r), True, "terminated") for n, r in zip(rng.integers(1, 6, 9), rng.random(9))
    ]
    returns = [n * r for n, r, _, _ in plan]
    best = record(tmp_path / "best", episodes=9, plan=plan, keep=keep.best(2, every=3))
    worst = record(tmp_path / "worst", episodes=9, plan=plan, keep=keep.worst(1, every=3))
    want_best, want_worst = [], []
    for w in range(3):
        window = list(range(3 * w, 3 * w + 3))
        ranked = sorted(window, key=lambda e: (-returns[e], e))
        want_best += sorted(ranked[:2])
        want_worst.append(min(window, key=lambda e: (returns[e], e)))
    assert best == [f"rl-video-episode-{e}-best.mp4" for e in sorted(want_best)]
    assert worst == [f"rl-video-episode-{e}-worst.mp4" for e in sorted(want_worst)]
    for name in best:
        e = int(name.split("-")[3])
        assert probe(tmp_path / "best" / name).frames == plan[e][0] + 1


def test_a_when_callable_sees_the_episode_and_its_json_info(tmp_path):
    seen = []

    def long_or_unlucky(end):
        seen.append(
            (
                end.id,
                end.ret,
                end.length,
                end.terminated,
                end.truncated,
                end.info,
            )
        )
        return end.length >= 5 or end.info["score"] == 6.0

    kept = record(tmp_path, keep=keep.when(long_or_unlucky).named("picked"))
    assert kept == ["rl-video-episode-1-picked.mp4", "rl-video-episode-3-picked.mp4"]
    assert [s[0] for s in seen] == [0, 1, 2, 3]
    assert seen[1] == (
        1,
        10.0,
        5,
        False,
        True,
        {"is_success": False, "score": 10.0, "trace": [0, 1, 2]},
    )
    assert seen[3][1:5] == (6.0, 2, True, False)


def test_name_suffix_and_any_of(tmp_path):
    rule = keep.any_of(keep.failures(), keep.best(1, every=4))
    kept = record(
        tmp_path,
        keep=rule,
        name_suffix=lambda ends: "short" if ends[0].length < 3 else None,
    )
    # Failures 1 and 3 and the best return (episode 1, 10.0): 3 is short, 1 has no suffix
    # of its own and keeps its plain name.
    assert kept == ["rl-video-episode-1.mp4", "rl-video-episode-3-short.mp4"]
    assert "any_of(failures" in repr(rule)


def test_a_when_exception_reaches_the_loop_and_the_video_is_kept(tmp_path):
    def broken(end):
        raise KeyError("no such key")

    env = gymrec.RecordVideo(
        Outcomes(PLAN), tmp_path, episode_trigger=lambda e: True, keep=keep.when(broken)
    )
    with pytest.raises(KeyError, match="no such key"):
        # Raised from the call that judged episode 0: a step, a reset or close().
        play(env, 2)
    env.close()
    assert videos(tmp_path)[0] == "rl-video-episode-0.mp4"


def test_keep_last_deletes_exactly_the_oldest(tmp_path):
    kept = record(tmp_path / "last", episodes=6, keep_last=3)
    assert kept == [f"rl-video-episode-{e}.mp4" for e in (3, 4, 5)]
    # With a rule: the oldest kept failures go first.
    kept = record(tmp_path / "failures", episodes=8, keep=keep.failures(), keep_last=2)
    assert kept == ["rl-video-episode-5-failure.mp4", "rl-video-episode-7-failure.mp4"]
    # A byte budget below two videos keeps the newest alone.
    size = (tmp_path / "last" / "rl-video-episode-5.mp4").stat().st_size
    kept = record(tmp_path / "bytes", episodes=4, max_bytes=size + size // 2)
    assert kept == ["rl-video-episode-3.mp4"]


def test_the_vector_recorder_keeps_sub_env_0s_failures(tmp_path):
    def envs():
        return SyncVectorEnv(
            [lambda: Outcomes(PLAN) for _ in range(2)], autoreset_mode=AutoresetMode.NEXT_STEP
        )

    def run(folder, **options):
        env = gymrec.vector.RecordVideo(
            envs(), folder, episode_trigger=lambda e: True, record_first_only=True, **options
        )
        env.reset()
        for _ in range(15):  # episodes 0-3 of sub-env 0 end at steps 3, 9, 14 and 17
            env.step(np.zeros(2, dtype=np.int64))
        env.close()
        return videos(folder)

    everything = run(tmp_path / "all")
    kept = run(tmp_path / "kept", keep=keep.failures())
    assert everything[:3] == [f"rl-video-episode-{e}.mp4" for e in range(3)]
    assert kept == ["rl-video-episode-1-failure.mp4"]
    np.testing.assert_array_equal(
        frames_of(tmp_path / "kept" / kept[0]),
        frames_of(tmp_path / "all" / "rl-video-episode-1.mp4"),
    )
    assert probe(tmp_path / "kept" / kept[0]).frames == PLAN[1][0] + 1


def test_the_vector_recorder_same_step_reads_the_final_info(tmp_path):
    env = gymrec.vector.RecordVideo(
        SyncVectorEnv([lambda: Outcomes(PLAN)], autoreset_mode=AutoresetMode.SAME_STEP),
        tmp_path,
        episode_trigger=lambda e: True,
        keep=keep.failures(),
    )
    env.reset()
    for _ in range(14):  # episodes 0-3 end at steps 3, 8, 12, 14
        env.step(np.zeros(1, dtype=np.int64))
    env.close()
    assert videos(tmp_path) == ["rl-video-episode-1-failure.mp4", "rl-video-episode-3-failure.mp4"]


def test_sb3s_recorder_keeps_failures(tmp_path):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv

    from gymrec.sb3 import VecVideoRecorder

    def run(folder, **options):
        venv = VecVideoRecorder(
            DummyVecEnv([lambda: Outcomes(PLAN)]),
            folder,
            record_video_trigger=None,
            video_length=0,
            episode_trigger=lambda e: True,
            **options,
        )
        venv.reset()
        for _ in range(14):
            venv.step(np.zeros(1, dtype=np.int64))
        venv.close()
        return videos(folder)

    everything = run(tmp_path / "all")
    kept = run(tmp_path / "kept", keep=keep.failures())
    assert kept == ["rl-video-episode-1-failure.mp4", "rl-video-episode-3-failure.mp4"]
    for name in kept:
        plain = name.replace("-failure", "")
        assert plain in everything
        np.testing.assert_array_equal(
            frames_of(tmp_path / "kept" / name), frames_of(tmp_path / "all" / plain)
        )


def test_bad_options_raise_python_errors_naming_the_value(tmp_path):
    env = Outcomes(PLAN)
    with pytest.raises(TypeError, match="keep='failures'"):
        gymrec.RecordVideo(env, tmp_path, keep="failures")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keep_last=0"):
        gymrec.RecordVideo(env, tmp_path, keep_last=0)
    with pytest.raises(ValueError, match="max_bytes=-5"):
        gymrec.RecordVideo(env, tmp_path, max_bytes=-5)
    with pytest.raises(TypeError, match="name_suffix='x'"):
        gymrec.RecordVideo(env, tmp_path, name_suffix="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="success='win'"):
        keep.failures(success="win")
    with pytest.raises(TypeError, match=r"success=\[1\]"):
        keep.failures(success=[1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n=0"):
        keep.best(0, every=3)
    with pytest.raises(ValueError, match="every=-1"):
        keep.worst(1, every=-1)
    with pytest.raises(TypeError, match="when\\(\\) takes a callable"):
        keep.when(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rule 1 is 'x'"):
        keep.any_of(keep.failures(), "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one rule"):
        keep.all_of()
    with pytest.raises(ValueError, match="named\\('a-b'\\)"):
        keep.failures().named("a-b")
    assert videos(tmp_path) == []


def test_rules_pickle_and_a_copied_wrapper_keeps_by_them(tmp_path):
    rule = keep.any_of(keep.failures(4.0), keep.worst(1, every=2), keep.when(bool)).named("odd")
    again = pickle.loads(pickle.dumps(rule))
    assert repr(again) == repr(rule) and again.label == "odd"
    env = gymrec.RecordVideo(
        Outcomes(PLAN), tmp_path, episode_trigger=lambda e: True, keep=keep.failures()
    )
    twin = copy.deepcopy(env)
    play(twin, 2)
    env.close()
    assert [v.split("-")[-1] for v in videos(tmp_path)] == ["failure.mp4"]
