"""A wrapper in a child process: inherited through ``os.fork()`` (multiprocessing's fork start
method, a pool made after the env) or pickled (spawn, forkserver). The child never hangs or
panics and records on its own; the parent's recording is untouched. Every child runs under a
timeout and its stderr is searched for panic text (``run_script``)."""

from __future__ import annotations

import re

import pytest
from conftest import mp4s, probe, run_script

# The name of the child's video: its recorder's started while the parent's lived, so gymrec's
# rule for live recorders sharing a folder gave it a worker part, the child's process id (its
# first recorder); the parent, alone when its video started, keeps Gymnasium's name.
CHILDS_VIDEO = re.compile(r"rl-video-w\d+-episode-1\.mp4")


def childs_video(folder):
    """The one video the child wrote, checked to be named as said above."""
    names = [p.name for p in mp4s(folder)]
    childs = [name for name in names if CHILDS_VIDEO.fullmatch(name)]
    assert len(childs) == 1, names
    return folder / childs[0]


# A picklable env (spawn and forkserver children get the wrapper pickled) and a trigger that
# records episode 0 in the process that made the wrapper and episode 1 in any other, so that
# parent and child record different episodes (and the child's name gets a worker part).
PRELUDE = """
import multiprocessing as mp, os, sys
import gymnasium as gym, numpy as np
import gymrec

class Painted(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 25}

    def __init__(self):
        self.render_mode = "rgb_array"
        self.action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.spaces.Discrete(1)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        self.t = 0
        return 0, {}

    def step(self, action):
        self.t += 1
        return 0, 1.0, self.t >= 10, False, {}

    def render(self):
        return np.full((48, 64, 3), 20 * self.t, dtype=np.uint8)

class OnlyIn:
    def __init__(self):
        self.parent = os.getpid()

    def __call__(self, episode):
        return episode == (0 if os.getpid() == self.parent else 1)

def episodes(env, n):
    for e in range(n):
        env.reset(seed=e)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(0)
            done = terminated or truncated
"""

PROCESS = (
    PRELUDE
    + """
def child(env, what):
    if what == "step":
        episodes(env, 2)
        env.close()
    # "exit": the child ends with the inherited wrapper as it got it, mid-video

if __name__ == "__main__":
    method, what, folder = sys.argv[1:]
    mp.set_start_method(method)
    env = gymrec.RecordVideo(Painted(), folder, episode_trigger=OnlyIn())
    env.reset(seed=0)
    for _ in range(4):
        env.step(0)
    assert env.recording
    p = mp.Process(target=child, args=(env, what))
    p.start()
    for _ in range(6):
        env.step(0)
    p.join(60)
    assert p.exitcode == 0, p.exitcode
    env.close()
    print("ok")
"""
)


@pytest.mark.parametrize("what", ["step", "exit"], ids=["child steps", "child exits"])
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_child_process_records_on_its_own_and_the_parent_is_untouched(tmp_path, method, what):
    folder = tmp_path / "videos"
    done = run_script(tmp_path / "script.py", PROCESS, method, what, str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    # The parent's video of episode 0: the reset and its 10 steps, 4 of them before the child
    # was made.
    assert probe(folder / "rl-video-episode-0.mp4").frames == 11
    if what == "step":
        # The child's own recorder counted its own episodes and recorded its episode 1.
        child = childs_video(folder)
        assert probe(child).frames == 11
        assert [p.name for p in mp4s(folder)] == ["rl-video-episode-0.mp4", child.name]
    else:
        assert [p.name for p in mp4s(folder)] == ["rl-video-episode-0.mp4"]


POOL = (
    PRELUDE
    + """
def work(n):
    BARRIER.wait(30)  # every worker takes one task
    episodes(ENV, n)
    ENV.close()
    return os.getpid()

if __name__ == "__main__":
    workers, folder = int(sys.argv[1]), sys.argv[2]
    mp.set_start_method("fork")
    trigger = OnlyIn() if workers == 1 else (lambda e: True)
    ENV = gymrec.RecordVideo(Painted(), folder, episode_trigger=trigger)
    ENV.reset(seed=0)
    for _ in range(3):
        ENV.step(0)
    BARRIER = mp.Barrier(workers)
    with mp.Pool(workers) as pool:  # made after the env, which every worker inherits
        pids = pool.map(work, [2] * workers)
    assert len(set(pids)) == workers, pids
    for _ in range(7):
        ENV.step(0)
    ENV.close()
    print("ok")
"""
)


def test_a_pool_made_after_the_env_records_in_its_worker(tmp_path):
    folder = tmp_path / "videos"
    done = run_script(tmp_path / "script.py", POOL, "1", str(folder))
    assert done.returncode == 0, done.stderr
    assert probe(folder / "rl-video-episode-0.mp4").frames == 11
    assert probe(childs_video(folder)).frames == 11


def test_pool_workers_recording_the_same_episodes_keep_every_video(tmp_path):
    # Parent and two workers each record their episodes 0 and 1 (the parent only its 0): the
    # same names, made distinct by gymrec's rule for live recorders sharing a folder.
    folder = tmp_path / "videos"
    done = run_script(tmp_path / "script.py", POOL, "2", str(folder))
    assert done.returncode == 0, done.stderr
    files = mp4s(folder)
    assert len(files) == 1 + 2 * 2, [p.name for p in files]
    assert all(probe(p).frames == 11 for p in files)


OS_FORK = (
    PRELUDE
    + """
if __name__ == "__main__":
    folder = sys.argv[1]
    env = gymrec.RecordVideo(Painted(), folder, episode_trigger=OnlyIn())
    env.reset(seed=0)
    for _ in range(4):
        env.step(0)
    native = env._recorder
    pid = os.fork()
    if pid == 0:
        # The native recorder the child inherited belongs to the parent: a clear error.
        try:
            native.step(1.0, False)
        except RuntimeError as err:
            assert "os.fork()" in str(err) and "a child" in str(err), err
        else:
            raise AssertionError("the inherited recorder took a step")
        assert not env.recording and env.episode_id == -1
        episodes(env, 2)
        # No close(): the child's video is finalized at exit, the inherited one skipped.
        sys.exit(0)
    for _ in range(6):
        env.step(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    env.close()
    print("ok")
"""
)


def test_os_fork_then_exit_finalizes_the_childs_video_and_skips_the_parents(tmp_path):
    folder = tmp_path / "videos"
    done = run_script(tmp_path / "script.py", OS_FORK, str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert probe(folder / "rl-video-episode-0.mp4").frames == 11
    assert probe(childs_video(folder)).frames == 11
