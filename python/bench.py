"""gymrec.RecordVideo against gymnasium.wrappers.RecordVideo: CartPole-v1, every episode
recorded, 10 episodes of 500 steps (the heuristic controller balances to the step limit),
each side in a process of its own so that its peak RSS is its own. Not a test: the figures
go in docs/BENCHMARKS.md.

    python/target/venv/bin/python python/bench.py [--rounds 3] [--episodes 10]

Needs the venv python/test.sh makes (gymrec installed, Gymnasium 1.4.0 and moviepy) and
ffprobe. Prints, per side, the median over rounds (run alternately) of frames per second
(frames captured / wall time from the first reset to the end of close()) and of the peak RSS,
and the frames found in the files against those captured.
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
side, episodes, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if side == "gymrec":
    from gymrec import RecordVideo
else:
    from gymnasium.wrappers import RecordVideo
env = gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=500)
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
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"frames": frames, "seconds": seconds, "peak_mib": peak}))
"""


def frames_in(folder: str) -> int:
    total = 0
    for name in os.listdir(folder):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
            + ["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"]
            + [os.path.join(folder, name)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        total += int(out.strip())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    results: dict[str, list[dict]] = {"gymrec": [], "gymnasium": []}
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for side in results:
                out = os.path.join(tmp, f"{side}-{r}")
                line = (
                    subprocess.run(
                        [sys.executable, "-c", CHILD, side, str(args.episodes), out],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=env,
                        cwd=tmp,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                result = json.loads(line)
                result["in_files"] = frames_in(out)
                results[side].append(result)
                print(side, r, result, file=sys.stderr)
    print(
        f"CartPole-v1, {args.episodes} x 500 steps, every episode recorded, "
        f"medians of {args.rounds} alternating rounds"
    )
    print("| side | frames/s | peak RSS | frames in files / captured |")
    print("|---|---:|---:|---:|")
    for side, rounds in results.items():
        fps = statistics.median(r["frames"] / r["seconds"] for r in rounds)
        peak = statistics.median(r["peak_mib"] for r in rounds)
        files = f"{rounds[0]['in_files']} / {rounds[0]['frames']}"
        print(f"| {side} | {fps:.0f} | {peak:.0f} MiB | {files} |")


if __name__ == "__main__":
    main()
