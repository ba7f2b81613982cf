"""gymrec.sb3.VecVideoRecorder against Stable-Baselines3's own VecVideoRecorder: CartPole-v1 in
a one-env DummyVecEnv stepped with random actions, one 2,000-step clip and 10 clips of 200
steps (a clip every 250 steps for 2,500 steps), each run in a process of its own so that its
peak RSS is its own; a third side, "bare loop", steps and fetches every step's frames as gymrec's
recorder does (``get_images()``, no tiling) with no recorder.
Not a test: the figures go in docs/BENCHMARKS.md.

    python/target/venv/bin/python python/bench_sb3.py [--rounds 3] [--workloads 1x2000,10x200]

Needs the venv python/test.sh makes (gymrec, Stable-Baselines3, moviepy) and ffprobe. Prints,
per workload and side, the median over rounds (sides run alternately, their order turned each
round) of the wall time from making the recorder to the end of close(), of the CPU time (every
thread of the process and its children, moviepy's ffmpeg) and of the peak RSS, and the frames
found in the files.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from bench import decoded_frames, run_child

CHILD = r"""
import json, resource, sys, time
import numpy as np
from stable_baselines3.common.env_util import make_vec_env
side, clips, length, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# A clip every `every` steps; SB3 asks its trigger again only after a clip's video_length steps.
every = max(length + 50, length * 5 // 4) if clips > 1 else length + 1
steps = every * (clips - 1) + length
venv = make_vec_env("CartPole-v1", n_envs=1, seed=0, env_kwargs={"render_mode": "rgb_array"})
start = time.perf_counter()
if side == "bare loop":
    env = venv
else:
    if side == "gymrec":
        from gymrec.sb3 import VecVideoRecorder
    else:
        from stable_baselines3.common.vec_env import VecVideoRecorder
    trigger = lambda step: step % every == 0
    env = VecVideoRecorder(venv, out, record_video_trigger=trigger, video_length=length)
env.reset()
if side == "bare loop":
    env.get_images()
rng = np.random.default_rng(0)
for _ in range(steps):
    env.step(rng.integers(0, 2, size=1))
    if side == "bare loop":
        env.get_images()
env.close()
seconds = time.perf_counter() - start
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
peak = usage[0].ru_maxrss / 1024
cpu = sum(u.ru_utime + u.ru_stime for u in usage)
print(json.dumps({"steps": steps, "seconds": seconds, "peak_mib": peak, "cpu": cpu}))
"""


def frames_in(folder: str) -> list[int]:
    return [decoded_frames(os.path.join(folder, name)) for name in sorted(os.listdir(folder))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workloads", default="1x2000,10x200")
    args = parser.parse_args()
    sides = ["gymrec", "SB3", "bare loop"]
    workloads = [tuple(int(n) for n in w.split("x")) for w in args.workloads.split(",")]
    results: dict[tuple, list[dict]] = {(w, s): [] for w in workloads for s in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for workload in workloads:
                order = sides if r % 2 == 0 else sides[::-1]
                for side in order:
                    clips, length = workload
                    out = os.path.join(tmp, f"{side}-{clips}x{length}-{r}".replace(" ", "-"))
                    result = run_child(CHILD, [side, str(clips), str(length), out], tmp)
                    result["in_files"] = frames_in(out) if os.path.isdir(out) else None
                    results[workload, side].append(result)
                    print(clips, length, side, r, result, file=sys.stderr, flush=True)
    print(f"CartPole-v1, one-env DummyVecEnv, medians of {args.rounds} alternating rounds")
    print("| workload | side | wall time | CPU time | peak RSS | frames in the files |")
    print("|---|---|---:|---:|---:|---|")
    for ((clips, length), side), rounds in results.items():
        wall = statistics.median(r["seconds"] for r in rounds)
        cpu = statistics.median(r["cpu"] for r in rounds)
        peak = statistics.median(r["peak_mib"] for r in rounds)
        in_files = rounds[0]["in_files"]
        files = "-" if in_files is None else f"{len(in_files)} of {sorted(set(in_files))}"
        workload = f"{clips} x {length:,} steps"
        print(f"| {workload} | {side} | {wall:.1f} s | {cpu:.1f} s | {peak:.0f} MiB | {files} |")


if __name__ == "__main__":
    main()
