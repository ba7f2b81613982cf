"""Copies of a wrapper (``copy.deepcopy``, pickle, cloudpickle) record on their own, as
Gymnasium's do: a new recorder made from the original's arguments, counting afresh, while the
original goes on untouched."""

from __future__ import annotations

import copy
import pickle
import re
import warnings

import cloudpickle
import gymnasium as gym
import numpy as np
import pytest
from conftest import Painted, mp4s, probe, run, videos

import gymrec


class Only:
    """An episode trigger for the ids in ``ids``: an object, so that a copy's can be changed."""

    def __init__(self, *ids: int):
        self.ids = set(ids)

    def __call__(self, episode: int) -> bool:
        return episode in self.ids


COPIES = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda env: pickle.loads(pickle.dumps(env)),
    "cloudpickle": lambda env: cloudpickle.loads(cloudpickle.dumps(env)),
}


@pytest.mark.parametrize("make_copy", COPIES.values(), ids=COPIES.keys())
def test_a_copy_records_on_its_own_and_the_original_goes_on(tmp_path, make_copy):
    env = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=Only(0))
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    assert env.recording

    twin = make_copy(env)
    assert twin.env is not env.env and twin._recorder is not env._recorder
    # The copy counts afresh and records nothing before its own trigger fires.
    assert (twin.recording, twin.episode_id, twin.step_id) == (False, -1, -1)
    assert twin.video_folder == env.video_folder
    twin.episode_trigger.ids = {1}  # the copy's trigger, which its recorder calls
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(twin, 2)
        for _ in range(7):
            env.step(0)
        twin.close()
        env.close()
    assert not [w for w in caught if "Overwriting" in str(w.message)]
    assert twin.episode_id == 1 and env.episode_id == 0
    # The copy's video started while the original lived: its name has a worker part (gymrec's
    # rule for live recorders sharing a folder); the original, alone when its video started,
    # kept Gymnasium's name.
    original, copied = videos(tmp_path)
    assert original == "rl-video-episode-0.mp4"
    assert re.fullmatch(r"rl-video-w\d+(-\d+)?-episode-1\.mp4", copied), copied
    assert [str(w.message) for w in caught if "another live recorder" in str(w.message)]
    # The original's episode 0 (the reset and 10 steps, 3 before the copy) and the copy's 1.
    assert probe(tmp_path / original).frames == 11
    assert probe(tmp_path / copied).frames == 11


def test_a_copy_that_never_records_never_touches_the_folder(tmp_path):
    env = gymrec.RecordVideo(Painted(), str(tmp_path / "videos"), episode_trigger=Only(0))
    twin = copy.deepcopy(env)
    env.close()
    (tmp_path / "videos").rmdir()
    twin.close()
    del twin
    assert not (tmp_path / "videos").exists()


def test_a_vector_wrapper_copies_too(tmp_path):
    envs = gym.vector.SyncVectorEnv([Painted, Painted])
    env = gymrec.vector.RecordVideo(envs, str(tmp_path), episode_trigger=Only(0))
    twin = copy.deepcopy(env)
    twin.episode_trigger.ids = {1}
    for wrapper in (env, twin):
        wrapper.reset(seed=0)
        for _ in range(12):
            wrapper.step(np.zeros(2, dtype=int))
        wrapper.close()
    # Sub-env 0's episode 0 (11 frames) from the original, its episode 1 (the autoreset step
    # and 1 more) from the copy.
    assert videos(tmp_path) == ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 11
    assert probe(tmp_path / "rl-video-episode-1.mp4").width == 128


@pytest.mark.parametrize("make_copy", COPIES.values(), ids=COPIES.keys())
def test_a_copy_recording_the_same_episodes_keeps_both_videos(tmp_path, make_copy):
    env = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=Only(0))
    twin = make_copy(env)
    for wrapper in (env, twin):
        run(wrapper, 1)
    env.close()
    twin.close()
    files = mp4s(tmp_path)
    assert len(files) == 2, [p.name for p in files]
    assert all(probe(p).frames == 11 for p in files)
