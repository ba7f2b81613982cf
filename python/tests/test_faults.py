"""Bad input and faults: wrappers sharing a folder (SB3's make_vec_env with DummyVecEnv and
SubprocVecEnv), Ctrl-C mid-episode, a trigger that raises, a folder that is read-only or a
file. No video is lost and ``close()`` is quiet."""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from conftest import (
    PANIC_TEXT,
    Painted,
    mp4s,
    probe,
    run,
    tmpfs,
    videos,
)
from gymnasium.utils.save_video import capped_cubic_video_schedule

import gymrec


def sb3_vec_env(kind: str, folder, n_envs: int = 4):
    """SB3's natural line: four gymrec wrappers on one folder, in one process or four."""
    pytest.importorskip("stable_baselines3")  # python/test.sh installs it (requirements-sb3)
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    return make_vec_env(
        "CartPole-v1",
        n_envs=n_envs,
        seed=0,
        vec_env_cls={"DummyVecEnv": DummyVecEnv, "SubprocVecEnv": SubprocVecEnv}[kind],
        env_kwargs=dict(render_mode="rgb_array"),
        wrapper_class=gymrec.RecordVideo,
        wrapper_kwargs=dict(video_folder=str(folder)),
    )


def train_randomly(venv, steps: int) -> list[int]:
    """Steps ``venv`` with random actions; returns how many episodes each env began."""
    venv.reset()
    begun = [1] * venv.num_envs
    rng = np.random.default_rng(0)
    for _ in range(steps):
        _, _, dones, _ = venv.step(rng.integers(0, 2, size=venv.num_envs))
        for i, done in enumerate(dones):
            begun[i] += int(done)
    return begun


@pytest.mark.parametrize("kind", ["DummyVecEnv", "SubprocVecEnv"])
def test_four_wrappers_on_one_folder_close_quietly(tmp_path, kind):
    venv = sb3_vec_env(kind, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the shared folder may warn about is not this test's
        train_randomly(venv, 250)
        venv.close()  # raised FileExistsError (in every SubprocVecEnv worker) before issue 19
    if kind == "SubprocVecEnv":
        assert [p.exitcode for p in venv.processes] == [0] * 4
    assert mp4s(tmp_path)


@pytest.mark.parametrize("kind", ["DummyVecEnv", "SubprocVecEnv"])
def test_four_wrappers_on_one_folder_keep_every_video(tmp_path, kind):
    venv = sb3_vec_env(kind, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        begun = train_randomly(venv, 250)
        venv.close()
    # Each wrapper records its episodes 0, 1, 8, ... (the capped cubic schedule) under the same
    # names as its siblings: every one kept under a name of its own, and every one decodes.
    recorded = sum(sum(map(capped_cubic_video_schedule, range(n))) for n in begun)
    files = mp4s(tmp_path)
    assert len(files) == recorded, [p.name for p in files]
    assert all(probe(p).frames > 0 for p in files)


def test_a_video_another_wrapper_wrote_since_construction_is_no_error(tmp_path):
    # Both made on an empty folder; the first writes episode 0, then the second does. Before
    # issue 19 the second raised FileExistsError at close() and lost its video.
    first = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True)
    second = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True)
    run(first, 1)
    first.close()
    run(second, 1)
    second.close()
    assert all(probe(p).frames == 11 for p in mp4s(tmp_path))


def test_a_video_another_live_wrapper_wrote_is_kept_beside_it(tmp_path):
    first = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True)
    second = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True)
    run(first, 1)
    run(second, 1)
    first.close()
    second.close()
    files = mp4s(tmp_path)
    assert len(files) == 2 and all(probe(p).frames == 11 for p in files)


def test_overwrite_false_refuses_in_pythons_words(tmp_path):
    # The video second would write appears after it was made, written by someone else: here a
    # wrapper on another folder, whose video is then moved in. (A live gymrec wrapper on the
    # same folder would name its video apart instead: see the tests above.)
    elsewhere = tmp_path / "elsewhere"
    first = gymrec.RecordVideo(Painted(), str(elsewhere), episode_trigger=lambda e: True)
    second = gymrec.RecordVideo(
        Painted(), str(tmp_path), episode_trigger=lambda e: True, overwrite=False
    )
    run(first, 1)
    first.close()
    del first
    gc.collect()
    (elsewhere / "rl-video-episode-0.mp4").rename(tmp_path / "rl-video-episode-0.mp4")
    run(second, 1)
    with pytest.raises(FileExistsError, match="rl-video-episode-0.mp4 already exists") as caught:
        second.close()
    assert "overwrite=True" in str(caught.value)
    assert "overwrite(true)" not in str(caught.value)
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 11


def test_overwrite_false_beside_a_live_wrapper_overwrites_nothing_and_raises_nothing(tmp_path):
    # The first's video starts while the second lives: it is named apart, so the second's
    # episode 0 finds no file of its name, and no video is lost.
    first = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True)
    second = gymrec.RecordVideo(
        Painted(), str(tmp_path), episode_trigger=lambda e: True, overwrite=False
    )
    run(first, 1)
    first.close()
    run(second, 1)
    second.close()
    files = mp4s(tmp_path)
    assert len(files) == 2 and all(probe(p).frames == 11 for p in files)
    assert (tmp_path / "rl-video-episode-0.mp4") in files


# A child recording Pendulum into {folder!r}, printing its step count after each step.
PENDULUM_CHILD = """
import signal
import gymnasium as gym, gymrec
# Ctrl-C raises KeyboardInterrupt even where this test runs with SIGINT ignored (a
# background job of a non-interactive shell), which the child would inherit.
signal.signal(signal.SIGINT, signal.default_int_handler)
# Pendulum never terminates, and its pictures stay drawable however long it runs
# (CartPole stepped past its end drifts until pygame's drawing overflows).
env = gymrec.RecordVideo(gym.make("Pendulum-v1", render_mode="rgb_array",
                                  max_episode_steps=100_000),
                         {folder!r}, episode_trigger=lambda e: True)
env.reset(seed=0)
for i in range(100_000):
    env.step([float(i % 2)])
    print(i + 1, flush=True)
"""


def pendulum_child(folder, steps):
    """Starts PENDULUM_CHILD and returns it once it has taken `steps` steps, with the count."""
    child = subprocess.Popen(
        [sys.executable, "-c", PENDULUM_CHILD.format(folder=str(folder))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        taken = 0
        while taken < steps:
            line = child.stdout.readline()
            assert line, child.stderr.read()
            taken = int(line)
    except BaseException:
        child.kill()
        raise
    return child, taken


def test_ctrl_c_mid_episode_leaves_a_playable_video(tmp_path):
    child, steps = pendulum_child(tmp_path, 120)
    try:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    steps = max([steps, *map(int, out.split())])
    assert "KeyboardInterrupt" in err
    for text in PANIC_TEXT:
        assert text not in err, err
    # The KeyboardInterrupt ends the script; the video is finalized at exit with every frame
    # captured: the reset's and one per step printed (and perhaps the step it interrupted).
    assert steps + 1 <= probe(tmp_path / "rl-video-episode-0.mp4").frames <= steps + 2


def test_a_killed_processs_partial_video_is_recovered_by_the_next_record_video(tmp_path):
    # 5 s of video at Pendulum's 30 fps: a few fragments on disk.
    child, steps = pendulum_child(tmp_path, 150)
    child.kill()  # SIGKILL: no finalizer runs
    child.communicate(timeout=60)
    # Killed mid-video: the file has its working name, which no *.mp4 glob matches, and plays.
    part = tmp_path / "rl-video-episode-0.mp4.part"
    final = tmp_path / "rl-video-episode-0.mp4"
    assert mp4s(tmp_path) == [] and part.exists()
    frames = probe(part).frames
    assert 0 < frames <= steps + 1
    # The next RecordVideo on the folder gives it its final name, marked incomplete, and hands
    # it to on_video and the gallery's sidecar like any finished video.
    seen: list[gymrec.FinishedVideo] = []
    env = gymrec.RecordVideo(
        Painted(), str(tmp_path), name_prefix="next", gallery=True, on_video=seen.append
    )
    run(env, 1)
    env.close()
    assert not part.exists()
    assert probe(final).frames == frames
    recovered = [v for v in seen if v.path == final]
    assert len(recovered) == 1, seen
    assert recovered[0].incomplete and recovered[0].frames == frames
    assert recovered[0].episode_id == 0
    sidecar = json.loads((tmp_path / "rl-video-episode-0.json").read_text())
    assert sidecar["incomplete"] is True and sidecar["frames"] == frames
    assert [v.path.name for v in seen if not v.incomplete] == ["next-episode-0.mp4"]


class Boom(Exception):
    pass


def test_a_trigger_that_raises_mid_video_loses_nothing(tmp_path):
    def trigger(episode):
        if episode == 2:
            raise Boom("episode schedule unavailable")
        return True

    env = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=trigger)
    run(env, 2)
    assert env.recording
    with pytest.raises(Boom):
        env.reset()  # stops episode 1's video, then asks the trigger
    run(env, 1)  # episode 3: recording goes on
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.close()  # quiet: the trigger's exception was raised once, at its call
    assert videos(tmp_path) == [f"rl-video-episode-{e}.mp4" for e in (0, 1, 3)]
    assert all(probe(p).frames == 11 for p in mp4s(tmp_path))


@pytest.fixture
def read_only_folder(tmp_path):
    """A read-only filesystem (a tmpfs mounted ro): refused even to root."""
    with tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        yield folder


def test_a_read_only_folder_is_an_os_error_naming_it_at_construction(read_only_folder):
    with pytest.raises(OSError, match="ro") as caught:
        gymrec.RecordVideo(Painted(), str(read_only_folder))
    assert str(read_only_folder) in str(caught.value)
    assert "Read-only file system" in str(caught.value)
    with pytest.raises(OSError):
        gymrec.RecordVideo(Painted(), str(read_only_folder / "videos"))


def test_a_folder_that_is_a_file_is_a_file_exists_error_naming_it(tmp_path, cartpole):
    blocker = tmp_path / "videos"
    blocker.write_text("not a folder")
    with pytest.raises(FileExistsError) as theirs:
        gym.wrappers.RecordVideo(cartpole(), str(blocker))
    with pytest.raises(FileExistsError) as ours:
        gymrec.RecordVideo(cartpole(), str(blocker))
    assert str(blocker) in str(ours.value)
    assert type(ours.value) is type(theirs.value)


def test_a_folder_that_is_a_file_says_so(tmp_path, cartpole):
    blocker = tmp_path / "videos"
    blocker.write_text("not a folder")
    with pytest.raises(FileExistsError, match="is a file"):
        gymrec.RecordVideo(cartpole(), str(blocker))
