"""gymrec.RecordVideo against gymnasium.wrappers.RecordVideo, side by side, and the
differences gymrec makes on purpose."""

from __future__ import annotations

import gc
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import gymnasium as gym
import numpy as np
import pytest
from conftest import Painted, SpiedRecordVideo, decode, probe, run, videos
from gymnasium.utils.save_video import capped_cubic_video_schedule as gym_cubic

import gymrec

TRIGGERS = {
    "default cubic": {},
    "every 3rd episode": {"episode_trigger": lambda e: e % 3 == 0},
    "steps every 150": {"step_trigger": lambda s: s % 150 == 0},
    "both": {"episode_trigger": lambda e: e == 2, "step_trigger": lambda s: s in (30, 400)},
}


def test_signature_is_gymnasiums():
    ours = inspect.signature(gymrec.RecordVideo.__init__).parameters
    theirs = inspect.signature(gym.wrappers.RecordVideo.__init__).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, param in theirs.items():
        if name != "gc_trigger":
            assert ours[name].default == param.default, name
    # gymrec keeps no frames in memory, so nothing to collect by default.
    assert ours["gc_trigger"].default is None
    extras = {n: p for n, p in ours.items() if n not in theirs}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extras.values())
    assert {n: p.default for n, p in extras.items()} == {
        "overwrite": True,
        "format": None,
        "overlay": False,
        "gallery": False,
        "on_video": None,
        "wandb": None,
        "wandb_key": "videos",
        "mlflow": None,
        "mlflow_experiment": None,
        "mlflow_run_name": None,
        "keep": None,
        "keep_last": None,
        "max_bytes": None,
        "outcome_in_name": None,
        "name_suffix": None,
        "snapshot": None,
        "render_snapshot": None,
    }
    assert issubclass(gymrec.RecordVideo, gym.Wrapper)
    assert issubclass(gymrec.RecordVideo, gym.utils.RecordConstructorArgs)


@pytest.mark.parametrize("triggers", TRIGGERS.values(), ids=TRIGGERS.keys())
def test_same_files_counters_and_frames_as_gymnasium(tmp_path, cartpole, triggers):
    theirs = SpiedRecordVideo(cartpole(), str(tmp_path / "gym"), **triggers)
    ours = gymrec.RecordVideo(cartpole(), str(tmp_path / "ours"), **triggers)
    trace_theirs, trace_ours = [], []
    run(theirs, 10, trace=trace_theirs)
    run(ours, 10, trace=trace_ours)
    theirs.close()
    ours.close()

    assert trace_ours == trace_theirs
    assert videos(tmp_path / "ours") == videos(tmp_path / "gym")
    assert len(theirs.frames_written) >= 2
    for name, frames in theirs.frames_written.items():
        p = probe(tmp_path / "ours" / f"{name}.mp4")
        assert (p.frames, p.width, p.height, p.pix_fmt) == (frames, 600, 400, "yuv420p"), name
        assert p.fps == 50


def test_video_length_gives_exactly_n_frames_where_gymnasium_gives_n_plus_one(tmp_path, cartpole):
    kwargs = {"step_trigger": lambda s: s % 100 == 0, "video_length": 40}
    theirs = SpiedRecordVideo(cartpole(), str(tmp_path / "gym"), **kwargs)
    ours = gymrec.RecordVideo(cartpole(), str(tmp_path / "ours"), **kwargs)
    run(theirs, 8)
    run(ours, 8)
    theirs.close()
    ours.close()
    assert videos(tmp_path / "ours") == videos(tmp_path / "gym")
    assert set(theirs.frames_written.values()) == {41}
    for name in theirs.frames_written:
        assert probe(tmp_path / "ours" / f"{name}.mp4").frames == 40


def test_capped_cubic_schedule_is_gymnasiums():
    assert [gymrec.capped_cubic_video_schedule(i) for i in range(5000)] == [
        gym_cubic(i) for i in range(5000)
    ]


class Boom(Exception):
    pass


@pytest.mark.parametrize("which", ["episode_trigger", "step_trigger"])
def test_a_trigger_exception_reaches_the_caller_as_itself(tmp_path, cartpole, which):
    raised = Boom("schedule file missing")

    def trigger(i):
        if i == 2:
            raise raised
        return True

    for cls, folder in ((gym.wrappers.RecordVideo, "gym"), (gymrec.RecordVideo, "ours")):
        env = cls(cartpole(), str(tmp_path / folder), **{which: trigger})
        env.reset(seed=0)
        with pytest.raises(Boom, match="schedule file missing") as caught:
            for _ in range(3):
                env.step(0)
            env.reset()
            env.reset()
        if cls is gymrec.RecordVideo:
            assert caught.value is raised
            # The id that raised was counted, as in Gymnasium; recording goes on.
            assert env.episode_id == 2 if which == "episode_trigger" else env.step_id == 2
            env.reset()
            env.step(0)
        env.close()


def test_a_wrapper_garbage_collected_without_close_leaves_a_complete_video(tmp_path, cartpole):
    env = gymrec.RecordVideo(cartpole(), str(tmp_path), episode_trigger=lambda e: True)
    env.reset(seed=0)
    for _ in range(7):
        env.step(0)
    assert env.recording
    del env
    gc.collect()
    p = probe(tmp_path / "rl-video-episode-0.mp4")
    assert p.frames == 8


def test_the_video_running_at_interpreter_exit_is_finalized(tmp_path):
    script = f"""
        import gymnasium as gym, gymrec
        env = gymrec.RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"),
                                 {str(tmp_path)!r}, episode_trigger=lambda e: True)
        env.reset(seed=0)
        for _ in range(5):
            env.step(0)
        keep = [env, env]  # referenced until the interpreter's own teardown
    """
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True)
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 6


def test_a_killed_process_leaves_a_playable_mp4(tmp_path):
    script = f"""
        import sys, gymnasium as gym, gymrec
        env = gymrec.RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array",
                                          max_episode_steps=100_000),
                                 {str(tmp_path)!r}, episode_trigger=lambda e: True)
        env.reset(seed=0)
        for i in range(100_000):
            _, _, terminated, _, _ = env.step(i % 2)
            print(i + 1, flush=True)
    """
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        captured = 0
        while captured < 300:
            line = child.stdout.readline()
            assert line, "the child ended before it was killed"
            captured = int(line)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    # Killed mid-video, the file keeps its working name (no *.mp4 glob takes it) and plays.
    assert not (tmp_path / "rl-video-episode-0.mp4").exists()
    p = probe(tmp_path / "rl-video-episode-0.mp4.part")
    # Lost: at most the fragment being built (one keyframe interval, 1 s = 50 frames) and the
    # frames inside the pipeline (the queue and x264's delay).
    assert 300 - 50 - 40 <= p.frames <= captured + 1 + 40
    assert (p.width, p.height, p.pix_fmt) == (600, 400, "yuv420p")


@pytest.mark.parametrize("strided", [False, True], ids=["contiguous", "strided"])
def test_frames_are_copied_exactly_whatever_their_strides(tmp_path, strided):
    env = gymrec.RecordVideo(
        Painted(strided=strided), str(tmp_path), episode_trigger=lambda e: True
    )
    run(env, 1)
    env.close()
    frames = decode(tmp_path / "rl-video-episode-0.mp4", 64, 48)
    assert len(frames) == 11
    picture = Painted().picture().astype(int)
    # Away from the quadrant edges (chroma is shared by 2x2 pixels) colours come back within
    # the encoder's error.
    inner = np.s_[4:20, 4:28]
    for frame in frames:
        for rows in (np.s_[:24], np.s_[24:]):
            for cols in (np.s_[:32], np.s_[32:]):
                got = frame[rows, cols].astype(int)[inner]
                want = picture[rows, cols][inner]
                assert np.abs(got - want).max() <= 12


def test_odd_sizes_are_padded_to_a_yuv420p_video(tmp_path):
    env = gymrec.RecordVideo(Painted(101, 75), str(tmp_path), episode_trigger=lambda e: True)
    run(env, 1)
    env.close()
    p = probe(tmp_path / "rl-video-episode-0.mp4")
    assert (p.width, p.height, p.pix_fmt, p.frames) == (102, 76, "yuv420p", 11)


def test_fps_from_the_argument_else_render_fps_else_30_with_a_warning(tmp_path):
    for kwargs, env, want in (
        ({"fps": 12}, Painted(fps=25), 12),
        ({}, Painted(fps=25), 25),
    ):
        wrapped = gymrec.RecordVideo(env, str(tmp_path / str(want)), **kwargs)
        assert wrapped.frames_per_sec == want
        run(wrapped, 1)
        wrapped.close()
        assert probe(tmp_path / str(want) / "rl-video-episode-0.mp4").fps == want
    with pytest.warns(UserWarning, match="no render_fps .* recording at 30 fps"):
        wrapped = gymrec.RecordVideo(Painted(fps=None), str(tmp_path / "30"))
    assert wrapped.frames_per_sec == 30


def test_existing_videos_are_overwritten_after_a_warning_or_refused(tmp_path, cartpole):
    env = gymrec.RecordVideo(cartpole(), str(tmp_path), video_length=5)
    run(env, 1)
    env.close()
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 5

    with pytest.warns(UserWarning, match="Overwriting existing videos at .*rl-video-episode-0"):
        env = gymrec.RecordVideo(cartpole(), str(tmp_path), video_length=9)
    run(env, 1)
    env.close()
    assert probe(tmp_path / "rl-video-episode-0.mp4").frames == 9

    with pytest.raises(FileExistsError, match="rl-video-episode-0.mp4 already exists"):
        gymrec.RecordVideo(cartpole(), str(tmp_path), overwrite=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gymrec.RecordVideo(cartpole(), str(tmp_path), name_prefix="other", overwrite=False).close()


@pytest.mark.parametrize("mode", [None, "human"])
def test_render_modes_that_give_no_frames_are_refused_as_gymnasium_does(tmp_path, mode):
    with pytest.raises(ValueError) as theirs:
        gym.wrappers.RecordVideo(gym.make("CartPole-v1", render_mode=mode), str(tmp_path))
    # Gymnasium 1.2 gives its two sentences as two arguments (its str is their tuple's).
    their_message = " ".join(theirs.value.args)
    # Gymnasium 1.2's half-built wrapper raises in its __del__: collected before ours is watched.
    del theirs
    gc.collect()
    unraisable = []
    old_hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with pytest.raises(ValueError) as ours:
            gymrec.RecordVideo(gym.make("CartPole-v1", render_mode=mode), str(tmp_path))
        message = str(ours.value)
        del ours  # the traceback held the half-built wrapper
        gc.collect()  # its __del__ runs
    finally:
        sys.unraisablehook = old_hook
    assert message == their_message
    assert unraisable == []


def test_rgb_array_list_envs_record_and_render_as_in_gymnasium(tmp_path):
    results = {}
    for cls, folder in ((SpiedRecordVideo, "gym"), (gymrec.RecordVideo, "ours")):
        env = cls(
            gym.make("CartPole-v1", render_mode="rgb_array_list"),
            str(tmp_path / folder),
            episode_trigger=lambda e: e % 2 == 0,
        )
        lengths = []
        env.action_space.seed(0)
        for e in range(3):
            env.reset(seed=e)
            done, t = False, 0
            while not done:
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                done = terminated or truncated
                t += 1
                if t % 7 == 0:
                    lengths.append(len(env.render()))
        env.close()
        results[folder] = (lengths, videos(tmp_path / folder))
        if cls is SpiedRecordVideo:
            written = env.frames_written
    assert results["ours"] == results["gym"]
    for name, frames in written.items():
        assert probe(tmp_path / "ours" / f"{name}.mp4").frames == frames


def test_the_spec_round_trips_through_gym_make(tmp_path, cartpole):
    env = gymrec.RecordVideo(cartpole(), str(tmp_path), episode_trigger=lambda e: True, fps=10)
    spec = env.spec
    wrapper = spec.additional_wrappers[-1]
    assert wrapper.entry_point == "gymrec.wrappers:RecordVideo"
    assert wrapper.kwargs["fps"] == 10
    env.close()
    remade = gym.make(spec)
    assert isinstance(remade, gymrec.RecordVideo)
    assert remade.frames_per_sec == 10
    run(remade, 1)
    remade.close()
    assert videos(tmp_path) == ["rl-video-episode-0.mp4"]


def test_the_folder_holds_only_videos_unless_asked_for_more(tmp_path, cartpole):
    env = gymrec.RecordVideo(cartpole(), str(tmp_path / "plain"), episode_trigger=lambda e: True)
    run(env, 2)
    env.close()
    assert videos(tmp_path / "plain") == ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]

    env = gymrec.RecordVideo(
        cartpole(), str(tmp_path / "more"), episode_trigger=lambda e: True, gallery=True
    )
    run(env, 2)
    env.close()
    more = set(videos(tmp_path / "more"))
    assert {
        "index.html",
        "index.jsonl",
        "rl-video-episode-0.json",
        "rl-video-episode-0.mp4",
        "rl-video-episode-1.json",
        "rl-video-episode-1.mp4",
    } <= more


@pytest.mark.parametrize("fmt,name", [("gif", "rl-video-episode-0.gif"), ("webm", None)])
def test_other_formats(tmp_path, fmt, name):
    env = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True, format=fmt)
    run(env, 1)
    env.close()
    name = name or f"rl-video-episode-0.{fmt}"
    assert videos(tmp_path) == [name]
    assert probe(tmp_path / name).frames == 11


def test_the_build_names_its_formats_and_mp4_encoder():
    # python/test.sh installs `pip install ./python`, the system FFmpeg's build (the wheel
    # without FFmpeg is checked by python/wheel_check.py).
    assert gymrec.FORMATS == ("mp4", "webm", "gif", "png")
    assert gymrec.MP4_BACKEND == "ffmpeg"


def test_png_sequences_are_folders_of_frames(tmp_path):
    env = gymrec.RecordVideo(Painted(), str(tmp_path), episode_trigger=lambda e: True, format="png")
    run(env, 1)
    env.close()
    assert videos(tmp_path) == ["rl-video-episode-0"]
    assert len([f for f in videos(tmp_path / "rl-video-episode-0") if f.endswith(".png")]) == 11


def test_an_overlay_draws_only_its_box_at_the_top_left(tmp_path):
    for overlay in (False, True):
        env = gymrec.RecordVideo(
            Painted(320, 240),
            str(tmp_path / str(overlay)),
            episode_trigger=lambda e: True,
            overlay=overlay,
            format="png",
        )
        run(env, 1)
        env.close()

    def frames(folder):
        pngs = sorted((tmp_path / folder / "rl-video-episode-0").glob("*.png"))
        return [decode(png, 320, 240)[0].astype(int) for png in pngs]

    plain, marked = frames("False"), frames("True")
    assert len(plain) == len(marked) == 11
    for a, b in zip(plain, marked):
        changed = np.argwhere(np.any(a != b, axis=2))
        assert len(changed) > 0
        # Only the text box at the top left is drawn on; the rest is as rendered.
        assert changed[:, 0].min() < 10 and changed[:, 1].min() < 10
        assert changed[:, 0].max() < 60


def test_unknown_settings_are_value_errors_with_gymrecs_messages(tmp_path, cartpole):
    with pytest.raises(ValueError, match="name_prefix"):
        gymrec.RecordVideo(cartpole(), str(tmp_path), name_prefix="a/b")
    with pytest.raises(ValueError, match="avi"):
        gymrec.RecordVideo(cartpole(), str(tmp_path), format="avi")
    with pytest.raises(ValueError, match="fps = 0"):
        gymrec.RecordVideo(cartpole(), str(tmp_path), fps=0)


def test_a_frame_that_is_not_an_rgb_array_is_a_value_error(tmp_path):
    class Grey(Painted):
        def render(self):
            return np.zeros((48, 64), dtype=np.float32)

    env = gymrec.RecordVideo(Grey(), str(tmp_path), episode_trigger=lambda e: True)
    with pytest.raises(ValueError, match=r"\(height, width, 3\).*float32 of shape \(48, 64\)"):
        env.reset()
    env.close()


def test_gc_trigger_runs_after_each_video(tmp_path, cartpole):
    asked = []
    env = gymrec.RecordVideo(
        cartpole(),
        str(tmp_path),
        episode_trigger=lambda e: True,
        gc_trigger=lambda e: asked.append(e) or True,
    )
    run(env, 3)
    env.close()
    # Asked once per finished video, with the episode id current when gymrec reported it: the
    # video of episode 0 stops at the reset of episode 1 and is reported once encoded, at that
    # reset or a later call; the last one at close.
    assert len(asked) == 3
    assert asked == sorted(asked) and set(asked) <= {1, 2} and asked[-1] == 2


def test_record_state_feeds_record_video(tmp_path, cartpole):
    state = gymrec.RecordState(tmp_path, "episode", episode_trigger=lambda e: e == 1)
    assert set(state.to_wrapper()) == {"video_folder", "episode_trigger", "step_trigger"}
    env = gymrec.RecordVideo(cartpole(), **state.to_wrapper())
    run(env, 2)
    env.close()
    assert videos(tmp_path) == ["rl-video-episode-1.mp4"]
    with pytest.raises(ValueError, match="no step_trigger"):
        gymrec.RecordState(tmp_path, "step").to_wrapper()
    with pytest.raises(ValueError, match="only a step_trigger"):
        gymrec.RecordState(tmp_path, "episode", step_trigger=lambda s: True).to_wrapper()
    with pytest.raises(ValueError, match="method"):
        gymrec.RecordState(tmp_path, "frames").to_wrapper()


def test_a_folder_that_cannot_be_made_is_an_os_error_naming_it(tmp_path, cartpole):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="a-file") as caught:
        gymrec.RecordVideo(cartpole(), str(blocker / "videos"))
    assert not isinstance(caught.value, FileExistsError)
