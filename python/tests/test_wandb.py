"""W&B: each finished video logged to the active run, read back from the offline run's
transaction log with wandb's own reader (``wandb leet inspect --json``: one JSON record per
line; ``"type":"history"`` records hold what ``wandb.log`` logged, a video as
``videos._type``, ``videos.path`` (in the run's ``files`` folder), ``videos.sha256``)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import mp4s, run, run_script

import gymrec

#: A CleanRL-shaped script: ``wandb.init(monitor_gym=True)`` and a ``RecordVideo`` on env 0 of
#: a ``SyncVectorEnv`` made from thunks, every 2nd episode recorded, 5 episodes of env 0.
#: ``argv``: the wrapper (``gymrec``, ``gymrec-wandb`` for ``wandb=True`` without
#: ``monitor_gym``, ``gymnasium``, ``gymrec-norun`` without any run), the video folder.
CLEANRL = """
import json
import sys

import gymnasium as gym

import gymrec

mode, folder = sys.argv[1], sys.argv[2]
if mode != "gymrec-norun":
    import wandb

    wandb.init(project="gymrec-test", monitor_gym=mode != "gymrec-wandb")


def make_env(idx):
    def thunk():
        env = gym.make("CartPole-v1", render_mode="rgb_array")
        if idx == 0:
            trigger = lambda e: e % 2 == 0  # noqa: E731
            if mode == "gymnasium":
                env = gym.wrappers.RecordVideo(env, folder, episode_trigger=trigger)
            elif mode == "gymrec-wandb":
                env = gymrec.RecordVideo(env, folder, episode_trigger=trigger, wandb=True)
            else:
                env = gymrec.RecordVideo(env, folder, episode_trigger=trigger)
        return env

    return thunk


envs = gym.vector.SyncVectorEnv([make_env(i) for i in range(2)])
envs.action_space.seed(0)
envs.reset(seed=0)
episodes = 0
for global_step in range(10_000):
    _, _, terminations, truncations, _ = envs.step(envs.action_space.sample())
    if terminations[0] or truncations[0]:
        episodes += 1
        if mode != "gymrec-norun":
            wandb.log({"episodes": episodes}, step=global_step)
        if episodes == 5:
            break
close_error = None
try:
    envs.close()
except Exception as err:
    close_error = f"{type(err).__name__}: {err}"
run_dir = None
if mode != "gymrec-norun":
    run_dir = str(__import__("pathlib").Path(wandb.run.dir).parent)
    wandb.finish()
print(json.dumps(
    {"close_error": close_error, "run_dir": run_dir, "wandb_imported": "wandb" in sys.modules}
))
"""


@pytest.fixture
def offline_wandb(tmp_path, monkeypatch):
    """W&B offline, every folder of it in ``tmp_path``, silent."""
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for name in ("DIR", "CACHE_DIR", "CONFIG_DIR", "DATA_DIR"):
        folder = tmp_path / f"wandb-{name.lower()}"
        folder.mkdir()
        monkeypatch.setenv(f"WANDB_{name}", str(folder))
    return tmp_path


def cleanrl(tmp_path: Path, mode: str) -> tuple[dict, Path]:
    """Runs the CleanRL-shaped script; its printed result and its video folder."""
    folder = tmp_path / "videos"
    done = run_script(tmp_path / "cleanrl.py", CLEANRL, mode, str(folder))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), folder


def logged_videos(run_dir: str, key: str = "videos") -> list[dict]:
    """The videos logged under ``key`` in the offline run's history records, read back by
    ``wandb leet inspect``."""
    wandb_cli = Path(sys.executable).with_name("wandb")
    out = subprocess.run(
        [str(wandb_cli), "leet", "inspect", "--json", run_dir],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    history = [r["history"]["item"] for r in records if r["type"] == "history"]
    assert history, f"no history records in {run_dir}: {out[:2000]}"
    return [item for item in history if item.get(f"{key}._type") == "video-file"]


def assert_logged_each(run_dir: str, folder: Path) -> None:
    """One logged video per local video, in order, each a byte-identical copy."""
    local = mp4s(folder)
    assert len(local) == 3, local  # episodes 0, 2 and 4
    logged = logged_videos(run_dir)
    assert len(logged) == len(local), logged
    for video, item in zip(local, logged):
        data = video.read_bytes()
        copy = Path(run_dir) / "files" / item["videos.path"]
        assert copy.read_bytes() == data, (video, copy)
        assert item["videos.sha256"] == hashlib.sha256(data).hexdigest()
        episode = video.stem.rsplit("-", 1)[1]
        assert item["videos.caption"].startswith(f"episode {episode}: {video.name}"), item


def test_wandb_monitor_gym_logs_every_gymrec_video(offline_wandb):
    result, folder = cleanrl(offline_wandb, "gymrec")
    assert result["close_error"] is None
    assert_logged_each(result["run_dir"], folder)


def test_wandb_true_logs_every_video_without_monitor_gym(offline_wandb):
    result, folder = cleanrl(offline_wandb, "gymrec-wandb")
    assert result["close_error"] is None
    assert_logged_each(result["run_dir"], folder)


def test_wandb_gymnasium_wrapper_logs_none_for_comparison(offline_wandb):
    """The comparison: Gymnasium 1.x's own RecordVideo under ``monitor_gym`` (wandb 0.31.0)
    writes its videos, but W&B's patched ``close()`` raises as it reads ``enabled``, which
    Gymnasium 1.x no longer has, and nothing is logged."""
    result, folder = cleanrl(offline_wandb, "gymnasium")
    enabled = "AttributeError: 'RecordVideo' object has no attribute 'enabled'"
    assert result["close_error"] == enabled
    assert len(mp4s(folder)) == 3
    assert logged_videos(result["run_dir"]) == []


def test_wandb_no_run_nothing_logged_nothing_imported(offline_wandb):
    result, folder = cleanrl(offline_wandb, "gymrec-norun")
    assert result == {"close_error": None, "run_dir": None, "wandb_imported": False}
    assert len(mp4s(folder)) == 3
    assert not list((offline_wandb / "wandb-dir").iterdir())


def test_wandb_true_without_a_run_does_nothing(tmp_path, cartpole):
    """``wandb`` imported but no run: the videos are written, nothing is logged, no error."""
    wandb = pytest.importorskip("wandb")
    assert wandb.run is None
    seen = []
    env = gymrec.RecordVideo(
        cartpole(), tmp_path, episode_trigger=lambda e: True, wandb=True, on_video=seen.append
    )
    run(env, 2)
    env.close()
    assert [v.path for v in seen] == mp4s(tmp_path)


def test_wandb_failing_to_log_is_a_warning_and_the_loop_goes_on(offline_wandb, tmp_path, cartpole):
    """W&B raising in ``run.log`` (its run folder on a full disk, say) never reaches the loop:
    a warning names the video, which stays on disk."""
    wandb = pytest.importorskip("wandb")
    run_ = wandb.init(project="gymrec-test")
    try:

        def refuse(*args, **kwargs):
            raise OSError("No space left on device")

        run_.log = refuse
        seen = []
        env = gymrec.RecordVideo(
            cartpole(), tmp_path, episode_trigger=lambda e: True, wandb=True, on_video=seen.append
        )
        with pytest.warns(UserWarning, match="was not logged to W&B") as caught:
            run(env, 2)
            env.close()
        files = mp4s(tmp_path)
        assert len(files) == 2 and [v.path for v in seen] == files
        assert all(any(p.name in str(w.message) for w in caught) for p in files)
    finally:
        wandb.finish()
