"""gymrec.RecordVideo against gymnasium.wrappers.RecordVideo: CartPole-v1, every episode
recorded, 10 episodes of 500 steps and 1 of 5,000 (the heuristic controller balances to the
step limit), each run in a process of its own so that its peak RSS is its own. A third side,
"render only", steps and renders every frame with no wrapper: the ceiling Python's rendering
sets. Not a test: the figures go in docs/BENCHMARKS.md.

    python/target/venv/bin/python python/bench.py [--rounds 3] [--workloads 10x500,1x5000]

Needs the venv python/test.sh makes (gymrec installed, Gymnasium 1.4.0 and moviepy) and
ffprobe. Prints, per workload and side, the median over rounds (sides run alternately) of
frames per second (frames captured / wall time from the first reset to the end of close()),
of the CPU time per frame (every thread of the process and its children, moviepy's ffmpeg:
the figure that a loaded machine disturbs least) and of the peak RSS, and the frames found in
the files against those captured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
import gymnasium as gym
side, episodes, steps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
env = gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=steps)
if side == "render only":
    class Render(gym.Wrapper):
        def reset(self, **kwargs):
            out = self.env.reset(**kwargs)
            self.env.render()
            return out
        def step(self, action):
            out = self.env.step(action)
            self.env.render()
            return out
    env = Render(env)
else:
    if side == "gymrec":
        from gymrec import RecordVideo
    else:
        from gymnasium.wrappers import RecordVideo
    env = RecordVideo(env, out, episode_trigger=lambda e: True, disable_logger=True)
def policy(obs):
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0.0)
frames = 0
start = time.perf_counter()
for episode in range(episodes):
    obs, _ = env.reset(seed=episode)
    frames += 1
    while True:
        obs, _, terminated, truncated, _ = env.step(policy(obs))
        frames += 1
        if terminated or truncated:
            break
env.close()
seconds = time.perf_counter() - start
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
peak = usage[0].ru_maxrss / 1024
cpu = sum(u.ru_utime + u.ru_stime for u in usage)  # every thread, and moviepy's ffmpeg
print(json.dumps({"frames": frames, "seconds": seconds, "peak_mib": peak, "cpu": cpu}))
"""


def decoded_frames(path: str) -> int:
    """The frames ffprobe decodes from the video at ``path``."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
        + ["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.strip())


def frames_in(folder: str) -> int:
    return sum(decoded_frames(os.path.join(folder, name)) for name in os.listdir(folder))


def run_child(child: str, argv: list[str], cwd: str) -> dict:
    """Runs ``child`` (a ``python -c`` program) with ``argv`` in a process of its own, headless,
    in ``cwd``; the JSON object its last line of output holds."""
    done = subprocess.run(
        [sys.executable, "-c", child, *argv],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, SDL_VIDEODRIVER="dummy"),
        cwd=cwd,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workloads", default="10x500,1x5000")
    args = parser.parse_args()
    sides = ["gymrec", "gymnasium", "render only"]
    workloads = [tuple(int(n) for n in w.split("x")) for w in args.workloads.split(",")]
    results: dict[tuple, list[dict]] = {(w, s): [] for w in workloads for s in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for (episodes, steps), side in results:
                out = os.path.join(tmp, f"{side}-{episodes}x{steps}-{r}".replace(" ", "-"))
                result = run_child(CHILD, [side, str(episodes), str(steps), out], tmp)
                result["in_files"] = frames_in(out) if os.path.isdir(out) else None
                results[(episodes, steps), side].append(result)
                print(episodes, steps, side, r, result, file=sys.stderr, flush=True)
    print(f"CartPole-v1, every episode recorded, medians of {args.rounds} alternating rounds")
    print(
        "| workload | side | frames/s | CPU ms per frame | peak RSS | frames in files / captured |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for ((episodes, steps), side), rounds in results.items():
        fps = statistics.median(r["frames"] / r["seconds"] for r in rounds)
        peak = statistics.median(r["peak_mib"] for r in rounds)
        cpu = statistics.median(1000 * r["cpu"] / r["frames"] for r in rounds)
        in_files = rounds[0]["in_files"]
        files = "-" if in_files is None else f"{in_files} / {rounds[0]['frames']}"
        workload = f"{episodes} x {steps:,} steps"
        print(f"| {workload} | {side} | {fps:.0f} | {cpu:.2f} | {peak:.0f} MiB | {files} |")


if __name__ == "__main__":
    main()
