"""``gymrec.patch()`` / ``gymrec.unpatch()`` and ``python -m gymrec run``: gymrec's recorders
where programs look up Gymnasium's and SB3's, and programs nobody edited recording through
them (tests/scripts/cleanrl_ppo.py, a CleanRL-shaped script)."""

from __future__ import annotations

import importlib
import json
import subprocess
import textwrap
from pathlib import Path

import gymnasium as gym
import gymnasium.wrappers.rendering
import gymnasium.wrappers.vector.rendering
import pytest
from conftest import mp4s, probe, run, run_python
from test_wandb import logged_videos, offline_wandb  # noqa: F401 (a fixture)

import gymrec
import gymrec.patching
import gymrec.vector

CLEANRL = Path(__file__).with_name("scripts") / "cleanrl_ppo.py"

#: Every module attribute patch() sets for Gymnasium, and the gymrec class it must hold.
GYMNASIUM_SLOTS = [
    (gymnasium.wrappers.rendering, gymrec.RecordVideo),
    (gymnasium.wrappers, gymrec.RecordVideo),
    (gymnasium.wrappers.vector.rendering, gymrec.vector.RecordVideo),
    (gymnasium.wrappers.vector, gymrec.vector.RecordVideo),
]
SB3_MODULES = [
    "stable_baselines3.common.vec_env.vec_video_recorder",
    "stable_baselines3.common.vec_env",
]


@pytest.fixture
def patching():
    """gymrec.patch, with everything unpatched after the test whatever it did."""
    yield gymrec.patch
    gymrec.unpatch()


def gymrec_run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m gymrec run ARGS`` in ``cwd``, with no panic printed."""
    return python(cwd, "-m", "gymrec", "run", *args)


def python(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_python(*args, cwd=cwd, timeout=180)


def test_patch_puts_gymrecs_classes_at_every_gymnasium_path_and_unpatch_restores(patching):
    originals = [module.RecordVideo for module, _ in GYMNASIUM_SLOTS]
    ours = (gymrec.RecordVideo, gymrec.vector.RecordVideo)
    assert not any(issubclass(original, ours) for original in originals)
    patching()
    assert gymrec.patching.patched()
    patched = [module.RecordVideo for module, _ in GYMNASIUM_SLOTS]
    for (module, base), cls in zip(GYMNASIUM_SLOTS, patched):
        assert issubclass(cls, base), (module.__name__, cls)
    patching()  # idempotent: the same classes, and unpatch still finds the originals
    assert [m.RecordVideo for m, _ in GYMNASIUM_SLOTS] == patched
    gymrec.unpatch()
    assert not gymrec.patching.patched()
    for (module, _), original in zip(GYMNASIUM_SLOTS, originals):
        assert module.RecordVideo is original, module.__name__
    gymrec.unpatch()  # a second unpatch does nothing
    assert [m.RecordVideo for m, _ in GYMNASIUM_SLOTS] == originals


def test_a_name_imported_before_patch_keeps_gymnasiums_class(patching):
    """The documented limit: ``from gymnasium.wrappers import RecordVideo`` before ``patch()``
    binds Gymnasium's class; names looked up through the module after it get gymrec's."""
    from gymnasium.wrappers import RecordVideo as before

    patching()
    from gymnasium.wrappers import RecordVideo as after

    assert not issubclass(before, gymrec.RecordVideo)
    assert issubclass(after, gymrec.RecordVideo)
    assert issubclass(gym.wrappers.RecordVideo, gymrec.RecordVideo)


def test_patched_classes_record_through_gymrec_with_patchs_defaults(patching, tmp_path, cartpole):
    """A Gymnasium-shaped call to the patched classes records through gymrec, with patch()'s
    defaults for the extras (gallery: a sidecar per video, which only gymrec writes), which a
    keyword given in the call overrides."""
    patching(gallery=True)
    env = gym.wrappers.RecordVideo(cartpole(), tmp_path / "single", lambda e: e < 2)
    run(env, 3)
    env.close()
    sidecars = sorted((tmp_path / "single").glob("*.json"))
    assert [p.name for p in sidecars] == ["rl-video-episode-0.json", "rl-video-episode-1.json"]
    for sidecar in sidecars:
        facts = json.loads(sidecar.read_text())
        video = sidecar.with_suffix(".mp4")
        assert probe(video).frames == facts["frames"] == facts["episodes"][0]["length"] + 1

    envs = gym.vector.SyncVectorEnv([lambda: cartpole()] * 2)
    envs = gym.wrappers.vector.RecordVideo(
        envs, tmp_path / "vector", episode_trigger=lambda e: e == 0, video_length=5
    )
    assert isinstance(envs, gymrec.vector.RecordVideo)
    envs.reset(seed=0)
    for _ in range(20):
        envs.step(envs.action_space.sample())
    envs.close()
    assert (tmp_path / "vector" / "rl-video-episode-0.json").exists()
    assert probe(tmp_path / "vector" / "rl-video-episode-0.mp4").frames == 5

    env = gym.wrappers.RecordVideo(cartpole(), tmp_path / "plain", gallery=False)
    run(env, 1)
    env.close()
    assert [p.name for p in (tmp_path / "plain").iterdir()] == ["rl-video-episode-0.mp4"]


def test_patch_again_changes_only_the_defaults(patching, tmp_path, cartpole):
    patching(gallery=True)
    first = gym.wrappers.RecordVideo
    patching()
    assert gym.wrappers.RecordVideo is first
    env = gym.wrappers.RecordVideo(cartpole(), tmp_path)
    run(env, 1)
    env.close()
    assert [p.name for p in tmp_path.iterdir()] == ["rl-video-episode-0.mp4"]


def sb3_recorder():
    """gymrec.sb3.VecVideoRecorder, or a skip on a branch without it."""
    pytest.importorskip("stable_baselines3")
    try:
        return importlib.import_module("gymrec.sb3").VecVideoRecorder
    except ImportError as err:
        pytest.skip(f"gymrec.sb3 is not importable: {err}")


def test_patch_puts_gymrecs_vec_video_recorder_in_sb3_and_unpatch_restores(patching):
    base = sb3_recorder()
    modules = [importlib.import_module(name) for name in SB3_MODULES]
    originals = [m.VecVideoRecorder for m in modules]
    patching()
    for module in modules:
        assert issubclass(module.VecVideoRecorder, base), module.__name__
    gymrec.unpatch()
    assert [m.VecVideoRecorder for m in modules] == originals


def test_sb3_imported_after_patch_is_patched_when_imported(tmp_path):
    """patch() before SB3 is imported does not import it (nor torch): an import hook patches
    SB3's paths once it is, including names bound by ``from ... import`` after that."""
    sb3_recorder()
    (tmp_path / "uses_sb3.py").write_text(
        textwrap.dedent(
            """
            import sys
            print("stable_baselines3" in sys.modules, "torch" in sys.modules)
            from stable_baselines3.common.vec_env import VecVideoRecorder
            from stable_baselines3.common.vec_env import vec_video_recorder
            import gymrec.sb3
            print(issubclass(VecVideoRecorder, gymrec.sb3.VecVideoRecorder),
                  vec_video_recorder.VecVideoRecorder is VecVideoRecorder)
            """
        )
    )
    done = gymrec_run(tmp_path, "uses_sb3.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True", "True"]


def test_patch_imports_no_sb3_for_a_script_without_it(tmp_path):
    (tmp_path / "no_sb3.py").write_text(
        "import sys\nprint('stable_baselines3' in sys.modules, 'torch' in sys.modules)\n"
    )
    done = gymrec_run(tmp_path, "no_sb3.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_cleanrl_script_records_through_gymrec_under_gymrec_run_and_gymnasium_without(tmp_path):
    """The unmodified CleanRL-shaped script: run with ``python -m gymrec run --gallery`` its
    ``gym.wrappers.RecordVideo`` is gymrec's (a sidecar and poster per video, index.jsonl: files
    only gymrec writes; frames counted by decoding); run with ``python``, Gymnasium's writes the
    same file names and nothing else."""
    args = [str(CLEANRL), "--capture-video", "--total-timesteps", "800"]
    ours, theirs = tmp_path / "gymrec", tmp_path / "gymnasium"
    ours.mkdir()
    theirs.mkdir()
    done = gymrec_run(ours, "--gallery", *args)
    assert done.returncode == 0, done.stderr
    assert "episodic_return=" in done.stdout
    [folder] = (ours / "videos").iterdir()
    names = [p.name for p in mp4s(folder)]
    assert names[:2] == ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]
    index = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    assert [line["file"] for line in index] == names
    for line in index:
        video = folder / line["file"]
        assert (folder / line["poster"]).exists()
        sidecar = json.loads(video.with_suffix(".json").read_text())
        assert probe(video).frames == sidecar["frames"] == sidecar["episodes"][0]["length"] + 1

    done = python(theirs, *args)
    assert done.returncode == 0, done.stderr
    [folder] = (theirs / "videos").iterdir()
    assert sorted(p.name for p in folder.iterdir()) == names


def test_cleanrl_script_tracked_with_wandb_logs_every_video(offline_wandb, tmp_path):  # noqa: F811
    """``--track`` (``wandb.init(monitor_gym=True)``, which patches the ``close()`` of the class
    at ``gymnasium.wrappers.RecordVideo``) under ``python -m gymrec run``: no error at close (W&B's
    patched close fails on Gymnasium 1.x's own wrapper, test_wandb.py) and each video logged."""
    done = gymrec_run(tmp_path, str(CLEANRL), "--capture-video", "--track")
    assert done.returncode == 0, done.stderr
    [folder] = (tmp_path / "videos").iterdir()
    local = mp4s(folder)
    assert len(local) >= 2
    [run_dir] = (tmp_path / "wandb-dir" / "wandb").glob("offline-run-*")
    logged = logged_videos(str(run_dir))
    assert len(logged) == len(local)
    for video, item in zip(local, logged):
        assert (run_dir / "files" / item["videos.path"]).read_bytes() == video.read_bytes()


def test_multiprocessing_children_are_patched(tmp_path):
    """Children started by spawn and forkserver (SB3's SubprocVecEnv's default) are patched
    before they run anything, with the parent's defaults; forked ones inherit the patch."""
    (tmp_path / "children.py").write_text(
        textwrap.dedent(
            """
            import multiprocessing as mp

            import gymnasium as gym

            def child(folder, queue):
                env = gym.make("CartPole-v1", render_mode="rgb_array")
                env = gym.wrappers.RecordVideo(env, folder)
                env.reset(seed=0)
                env.close()
                queue.put(type(env).__module__)

            if __name__ == "__main__":
                for method in ("spawn", "forkserver", "fork"):
                    ctx = mp.get_context(method)
                    queue = ctx.Queue()
                    process = ctx.Process(target=child, args=(f"videos/{method}", queue))
                    process.start()
                    print(method, queue.get())
                    process.join()
            """
        )
    )
    done = gymrec_run(tmp_path, "--gallery", "children.py")
    assert done.returncode == 0, done.stderr
    for method in ("spawn", "forkserver", "fork"):
        assert f"{method} gymrec.patching" in done.stdout
        assert (tmp_path / "videos" / method / "rl-video-episode-0.json").exists(), method
    done = python(tmp_path, "children.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("gymnasium.wrappers.rendering") == 3


SCRIPT = """
import sys
print(__name__, repr(__file__), sys.argv, sys.path[0])
if sys.argv[1:2] == ["raise"]:
    def deep():
        raise ValueError("from the script")
    deep()
if sys.argv[1:2] == ["exit"]:
    sys.exit(int(sys.argv[2]))
if sys.argv[1:2] == ["interrupt"]:
    raise KeyboardInterrupt
"""


@pytest.mark.parametrize(
    "args",
    [["plain", "--gallery", "-m", "x"], ["raise"], ["exit", "3"], ["exit", "0"], ["interrupt"]],
    ids=["args", "raise", "exit-3", "exit-0", "interrupt"],
)
def test_gymrec_run_runs_the_script_as_python_does(tmp_path, args):
    """The same output, exit code and traceback as ``python sub/script.py ARGS`` (its
    ``__name__``, ``__file__``, ``sys.argv`` and ``sys.path[0]``), patched or not."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "script.py").write_text(SCRIPT)
    ours = gymrec_run(tmp_path, "sub/script.py", *args)
    theirs = python(tmp_path, "sub/script.py", *args)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode,
        theirs.stdout,
        theirs.stderr,
    )
    assert ours.stdout.startswith("__main__ ")
    if args[0] == "interrupt":
        assert ours.returncode == -2  # killed by SIGINT, as Python ends on KeyboardInterrupt
    if args[0] in ("raise", "interrupt"):
        assert ours.stderr.startswith("Traceback (most recent call last):\n  File ")
        assert "__main__.py" not in ours.stderr and "runpy" not in ours.stderr


def test_gymrec_run_module_and_errors(tmp_path):
    (tmp_path / "mod.py").write_text(SCRIPT)
    ours = gymrec_run(tmp_path, "-m", "mod", "exit", "4")
    theirs = python(tmp_path, "-m", "mod", "exit", "4")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (4, ours.stdout)
    missing = gymrec_run(tmp_path, "missing.py")
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    nothing = gymrec_run(tmp_path)
    assert nothing.returncode == 2 and "missing" in nothing.stderr
