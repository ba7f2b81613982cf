"""gymrec.vector.RecordVideo against gymnasium.wrappers.vector.RecordVideo under each of
Gymnasium's three autoreset modes."""

from __future__ import annotations

import inspect

import gymnasium as gym
import numpy as np
import pytest
from conftest import SpiedVectorRecordVideo, decode, probe, videos
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers.vector import RecordVideo as GymVectorRecordVideo

import gymrec
from gymrec.vector import RecordVideo

MODES = [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED]
TRIGGERS = {
    "default cubic": {},
    "every 2nd episode": {"episode_trigger": lambda e: e % 2 == 0},
    "steps every 60": {"step_trigger": lambda s: s % 60 == 0},
    "steps, 25 frames": {"step_trigger": lambda s: s % 60 == 0, "video_length": 25},
}


def make_envs(mode: AutoresetMode, n: int = 3) -> SyncVectorEnv:
    return SyncVectorEnv(
        [lambda: gym.make("CartPole-v1", render_mode="rgb_array") for _ in range(n)],
        autoreset_mode=mode,
    )


def run(envs, steps: int, mode: AutoresetMode, trace: list) -> None:
    """Seeded random steps; with autoreset disabled, resets the sub-envs that ended."""
    envs.action_space.seed(0)
    envs.reset(seed=0)
    trace.append((envs.episode_id, envs.step_id, envs.recording))
    for _ in range(steps):
        _, _, terminations, truncations, _ = envs.step(envs.action_space.sample())
        trace.append((envs.episode_id, envs.step_id, envs.recording))
        done = np.logical_or(terminations, truncations)
        if mode == AutoresetMode.DISABLED and done.any():
            envs.reset(options={"reset_mask": done})
            trace.append((envs.episode_id, envs.step_id, envs.recording))


def test_signature_is_gymnasiums():
    ours = inspect.signature(RecordVideo.__init__).parameters
    theirs = inspect.signature(GymVectorRecordVideo.__init__).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, param in theirs.items():
        if name != "gc_trigger":
            assert ours[name].default == param.default, name
    assert ours["gc_trigger"].default is None
    assert issubclass(RecordVideo, gym.vector.VectorWrapper)
    assert gymrec.vector.RecordVideo is RecordVideo


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("triggers", TRIGGERS.values(), ids=TRIGGERS.keys())
def test_same_files_counters_and_frames_as_gymnasium(tmp_path, mode, triggers):
    theirs = SpiedVectorRecordVideo(make_envs(mode), str(tmp_path / "gym"), **triggers)
    ours = RecordVideo(make_envs(mode), str(tmp_path / "ours"), **triggers)
    trace_theirs, trace_ours = [], []
    run(theirs, 150, mode, trace_theirs)
    run(ours, 150, mode, trace_ours)
    theirs.close()
    ours.close()

    length = triggers.get("video_length", 0)
    if length == 0:
        assert trace_ours == trace_theirs
    else:  # Gymnasium records one frame more: it stops recording one step later.
        assert [t[:2] for t in trace_ours] == [t[:2] for t in trace_theirs]
    assert videos(tmp_path / "ours") == videos(tmp_path / "gym")
    assert len(theirs.frames_written) >= 2
    for name, frames in theirs.frames_written.items():
        p = probe(tmp_path / "ours" / f"{name}.mp4")
        want = frames if length == 0 else length
        assert length == 0 or frames == length + 1
        # 3 sub-envs: gymrec's 2 x 2 grid with one black padding cell (Gymnasium: 1 x 3).
        assert (p.frames, p.width, p.height, p.pix_fmt) == (want, 1200, 800, "yuv420p"), name
        assert p.fps == 50


def test_the_grid_pads_with_black_and_first_only_records_sub_env_0(tmp_path):
    envs = RecordVideo(make_envs(AutoresetMode.NEXT_STEP), str(tmp_path / "grid"), video_length=3)
    envs.reset(seed=0)
    for _ in range(3):
        envs.step(envs.action_space.sample())
    envs.close()
    frames = decode(tmp_path / "grid" / "rl-video-episode-0.mp4", 1200, 800)
    assert len(frames) == 3
    assert frames[:, 400:, 600:].max() <= 8  # the padding cell
    assert frames[:, :400, :600].mean() > 200  # CartPole's white background

    envs = RecordVideo(
        make_envs(AutoresetMode.NEXT_STEP),
        str(tmp_path / "first"),
        record_first_only=True,
        video_aspect_ratio=(16, 9),
        video_length=3,
    )
    envs.reset(seed=0)
    for _ in range(3):
        envs.step(envs.action_space.sample())
    envs.close()
    p = probe(tmp_path / "first" / "rl-video-episode-0.mp4")
    assert (p.frames, p.width, p.height) == (3, 600, 400)


def test_a_vector_wrapper_garbage_collected_without_close_is_finalized(tmp_path):
    import gc

    envs = RecordVideo(make_envs(AutoresetMode.NEXT_STEP, 2), str(tmp_path))
    envs.reset(seed=0)
    for _ in range(4):
        envs.step(envs.action_space.sample())
    del envs
    gc.collect()
    p = probe(tmp_path / "rl-video-episode-0.mp4")
    assert (p.frames, p.width, p.height) == (5, 1200, 400)


def test_no_autoreset_mode_in_the_metadata_warns_and_counts_next_step(tmp_path):
    envs = make_envs(AutoresetMode.NEXT_STEP)
    envs.metadata = {k: v for k, v in envs.metadata.items() if k != "autoreset_mode"}
    with pytest.warns(UserWarning, match="defaulting to next step"):
        wrapped = RecordVideo(envs, str(tmp_path))
    assert wrapped.autoreset_mode == AutoresetMode.NEXT_STEP
    wrapped.close()
