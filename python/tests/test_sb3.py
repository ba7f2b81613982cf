"""gymrec.sb3 against Stable-Baselines3: the VecVideoRecorder drop-in (SB3's own recorder test,
tiling, sub-env 0 alone, wrappers, close and garbage collection, attributes) and the
evaluation callback (clips decoded, GIF previews read back with TensorBoard's own reader).
Skipped where Stable-Baselines3 is not installed (the light Gymnasium 1.2.2 venv)."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from conftest import decode, probe, videos
from test_wandb import logged_videos, offline_wandb  # noqa: F401 (a fixture)

pytest.importorskip("stable_baselines3")

from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.vec_env import (  # noqa: E402
    DummyVecEnv,
    SubprocVecEnv,
    VecFrameStack,
    VecMonitor,
    VecNormalize,
)

from gymrec.sb3 import VecVideoRecorder, VideoEvalCallback  # noqa: E402

CARTPOLE = (600, 400)


def cartpole(n_envs: int = 1, vec_env_cls=DummyVecEnv, seed: int = 0):
    return make_vec_env(
        "CartPole-v1",
        n_envs=n_envs,
        seed=seed,
        vec_env_cls=vec_env_cls,
        env_kwargs={"render_mode": "rgb_array"},
    )


def step_randomly(venv, steps: int) -> None:
    rng = np.random.default_rng(0)
    for _ in range(steps):
        venv.step(rng.integers(0, 2, size=venv.num_envs))


def test_sb3s_own_recorder_test_writes_exactly_its_two_videos(tmp_path):
    # SB3's test_vec_env.py recorder test, with gymrec's class: PPO learning 128 steps.
    env = VecNormalize(cartpole())
    env = VecVideoRecorder(
        env,
        tmp_path,
        record_video_trigger=lambda x: x % 65 == 0,
        video_length=10,
        name_prefix="agent-CartPole-v1",
    )
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=64, n_epochs=1, seed=0)
    model.learn(total_timesteps=128)
    assert env.step_id == 128
    env.close()
    assert videos(tmp_path) == [
        "agent-CartPole-v1-step-0-to-step-10.mp4",
        "agent-CartPole-v1-step-65-to-step-75.mp4",
    ]
    for name in videos(tmp_path):
        p = probe(tmp_path / name)
        # Exactly video_length frames (SB3 writes 11), CartPole's size and fps.
        assert (p.frames, p.width, p.height, p.fps) == (10, *CARTPOLE, 50)


@pytest.mark.parametrize(
    ("n_envs", "vec_env_cls", "grid"),
    [(4, SubprocVecEnv, (2, 2)), (2, DummyVecEnv, (2, 1)), (3, DummyVecEnv, (2, 2))],
)
def test_sub_envs_are_tiled_as_vecenv_render_tiles_them(tmp_path, n_envs, vec_env_cls, grid):
    venv = cartpole(n_envs, vec_env_cls)
    env = VecVideoRecorder(venv, tmp_path, lambda x: x == 0, video_length=12)
    env.reset()
    tiled = venv.render()  # SB3's own tiling of the same reset
    step_randomly(env, 20)
    env.close()
    (name,) = videos(tmp_path)
    assert name == "rl-video-step-0-to-step-12.mp4"
    rows, cols = grid
    p = probe(tmp_path / name)
    assert (p.frames, p.width, p.height) == (12, cols * CARTPOLE[0], rows * CARTPOLE[1])
    assert tiled.shape == (p.height, p.width, 3)
    first = decode(tmp_path / name, p.width, p.height)[0].astype(int)
    assert np.abs(first - tiled.astype(int)).mean() < 2.0


def test_sub_env_0_alone(tmp_path):
    venv = cartpole(4)
    env = VecVideoRecorder(venv, tmp_path, lambda x: x == 3, video_length=5, record_first_only=True)
    env.reset()
    step_randomly(env, 3)
    frame = venv.env_method("render", indices=[0])[0]
    step_randomly(env, 10)
    env.close()
    (name,) = videos(tmp_path)
    assert name == "rl-video-step-3-to-step-8.mp4"
    p = probe(tmp_path / name)
    assert (p.frames, p.width, p.height) == (5, *CARTPOLE)
    first = decode(tmp_path / name, *CARTPOLE)[0].astype(int)
    assert np.abs(first - frame.astype(int)).mean() < 2.0


def test_through_frame_stack_and_monitor(tmp_path):
    # Sub-envs without make_vec_env's Monitor, which VecMonitor would warn about.
    venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")] * 2)
    env = VecFrameStack(VecMonitor(VecNormalize(venv)), n_stack=4)
    env = VecVideoRecorder(env, tmp_path, lambda x: x % 30 == 0, video_length=7, name_prefix="s")
    obs = env.reset()
    assert obs.shape == (2, 16)
    step_randomly(env, 70)
    env.close()
    assert videos(tmp_path) == [
        "s-step-0-to-step-7.mp4",
        "s-step-30-to-step-37.mp4",
        "s-step-60-to-step-67.mp4",
    ]
    assert [probe(tmp_path / n).frames for n in videos(tmp_path)] == [7, 7, 7]


def test_sb3s_attributes_and_huggingface_sb3s_video_recorder_path(tmp_path):
    env = VecVideoRecorder(cartpole(), os.path.relpath(tmp_path), lambda x: x == 2, video_length=4)
    assert env.video_folder == str(tmp_path)
    assert (env.step_id, env.recording, env.frames_per_sec) == (0, False, 50)
    assert env.record_video_trigger(2)
    assert (env.video_path, env.video_name) == ("", "")  # SB3 has none before the first video
    env.reset()
    step_randomly(env, 2)
    assert (env.step_id, env.recording) == (2, True)
    assert env.video_name == "rl-video-step-2-to-step-6.mp4"
    assert env.video_path == str(tmp_path / env.video_name)
    step_randomly(env, 10)
    assert (env.step_id, env.recording) == (12, False)
    env.close()
    # What huggingface_sb3's _generate_replay reads after close().
    assert env.video_recorder.path == str(tmp_path / "rl-video-step-2-to-step-6.mp4")
    assert probe(env.video_recorder.path).frames == 4


def test_an_empty_prefix_as_huggingface_sb3_passes(tmp_path):
    env = VecVideoRecorder(cartpole(), tmp_path, lambda x: x == 0, video_length=3, name_prefix="")
    env.reset()
    step_randomly(env, 5)
    env.close()
    assert videos(tmp_path) == ["-step-0-to-step-3.mp4"]
    assert probe(env.video_recorder.path).frames == 3


def test_garbage_collection_finishes_the_video(tmp_path):
    venv = cartpole()
    env = VecVideoRecorder(venv, tmp_path, lambda x: x == 0, video_length=100)
    env.reset()
    step_randomly(env, 20)
    del env
    gc.collect()
    (name,) = videos(tmp_path)
    # The reset frame and 20 steps, finished without close().
    assert probe(tmp_path / name).frames == 21
    venv.close()


def test_keyword_extras_on_video_and_gallery(tmp_path):
    seen = []
    env = VecVideoRecorder(
        cartpole(),
        tmp_path,
        lambda x: x == 0,
        video_length=6,
        on_video=seen.append,
        gallery=True,
        format="gif",
    )
    env.reset()
    step_randomly(env, 8)
    env.close()
    assert [v.path.name for v in seen] == ["rl-video-step-0-to-step-6.gif"]
    assert (seen[0].frames, seen[0].step_id, seen[0].format) == (6, 0, "gif")
    assert "index.jsonl" in videos(tmp_path)


def test_the_eval_callback_records_clips_and_tensorboard_gifs(tmp_path):
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    from PIL import Image

    tb = tmp_path / "tb"
    model = PPO(
        "MlpPolicy",
        cartpole(),
        n_steps=64,
        batch_size=64,
        n_epochs=1,
        seed=0,
        tensorboard_log=str(tb),
    )
    callback = VideoEvalCallback(
        cartpole(seed=7), eval_freq=64, n_eval_episodes=2, video_folder=tmp_path / "videos"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.learn(total_timesteps=128, callback=callback)
    names = [
        "eval-step-128-episode-0.mp4",
        "eval-step-128-episode-1.mp4",
        "eval-step-64-episode-0.mp4",
        "eval-step-64-episode-1.mp4",
    ]
    assert videos(tmp_path / "videos") == names
    clips = {v.path.name: v for v in callback.videos}
    assert sorted(clips) == names
    lengths = {timesteps: ls for timesteps, _, ls in callback.evaluations}
    assert sorted(lengths) == [64, 128]
    for name, clip in clips.items():
        timesteps, episode = int(name.split("-")[2]), int(name[-5])
        # Each episode whole: its reset frame and a frame per step but the last (whose frame,
        # after SB3's autoreset, is the next episode's first), as many as its length.
        p = probe(tmp_path / "videos" / name)
        assert p.frames == clip.frames == lengths[timesteps][episode] > 5
        assert (p.width, p.height) == CARTPOLE

    (run,) = os.listdir(tb)  # PPO_1: SB3's event file and gymrec's
    acc = ea.EventAccumulator(str(tb / run), size_guidance={ea.IMAGES: 0, ea.SCALARS: 0})
    acc.Reload()
    assert "eval/mean_reward" in acc.Tags()["scalars"]
    gifs = {e.step: e for e in acc.Images("eval/videos")}
    assert sorted(gifs) == [64, 65, 128, 129]
    by_step = {64: "eval-step-64-episode-0.mp4", 65: "eval-step-64-episode-1.mp4"}
    by_step |= {128: "eval-step-128-episode-0.mp4", 129: "eval-step-128-episode-1.mp4"}
    for step, event in gifs.items():
        image = Image.open(io.BytesIO(event.encoded_image_string))
        assert image.format == "GIF"
        assert image.n_frames >= 2
        assert image.size[0] <= CARTPOLE[0]
        # A preview of that clip: its aspect ratio.
        assert abs(image.size[0] / image.size[1] - 1.5) < 0.05, by_step[step]


def test_the_eval_callback_logs_its_clips_to_wandb(offline_wandb, tmp_path):  # noqa: F811
    import wandb

    run = wandb.init(project="gymrec-test")
    try:
        model = PPO("MlpPolicy", cartpole(), n_steps=64, batch_size=64, n_epochs=1, seed=0)
        callback = VideoEvalCallback(
            cartpole(seed=7),
            eval_freq=64,
            n_eval_episodes=1,
            video_folder=tmp_path / "videos",
            wandb=True,
        )
        model.learn(total_timesteps=128, callback=callback)
        run_dir = str(Path(run.dir).parent)
    finally:
        wandb.finish()
    local = [tmp_path / "videos" / n for n in videos(tmp_path / "videos")]
    assert [p.name for p in local] == ["eval-step-128-episode-0.mp4", "eval-step-64-episode-0.mp4"]
    logged = logged_videos(run_dir, key="eval/videos")
    assert len(logged) == 2, logged
    by_hash = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in local}
    assert sorted(item["eval/videos.sha256"] for item in logged) == sorted(by_hash)
