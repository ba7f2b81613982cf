"""Paying only for what is kept, from Python: MuJoCo HalfCheetah-v5 (rendered headless through
OSMesa), N episodes of S steps with seeded random actions, keep the best 2 returns. Not a test:
the figures go in the closing note of issue 22.

    MUJOCO_GL=osmesa python/target/venv/bin/python python/bench_keep.py \
        [--episodes 20] [--steps 200] [--size 480] [--rounds 3]

Sides, each round in a process of its own, run alternately; the medians over rounds:

- ``gymrec held``: ``gymrec.RecordVideo(keep=gymrec.keep.best(2, every=N))``: the physics state
  handed over at each step, only the 2 kept episodes rendered (at the decision) and encoded;
- ``gymrec frames``: the same with ``snapshot=False`` (today's drop-in without holding): every
  episode rendered and encoded, the 18 not kept deleted;
- ``gymnasium + select``: Gymnasium's ``RecordVideo`` records every episode, the best 2 are
  picked from the returns afterwards and the others deleted;
- ``bare loop``: the same episodes, no wrapper, nothing rendered.

Then a check: the kept episodes recorded again as PNG frames (``format="png"``) against the
frames a live recording renders from the same seeds and actions (every episode rendered from
the first, on an env of its own), pixel for pixel. ``--check-only`` skips the timed rounds.

Needs the venv python/test.sh makes (gymrec, Gymnasium 1.4.0 with moviepy, mujoco) and
libosmesa6 (scripts/deps.sh --test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from bench import run_child

CHILD = r"""
import json, os, resource, sys, time
import gymnasium as gym
import numpy as np
side, out, fmt = sys.argv[1], sys.argv[5], sys.argv[6] if len(sys.argv) > 6 else "mp4"
episodes, steps, size = (int(a) for a in sys.argv[2:5])
env = gym.make("HalfCheetah-v5", render_mode="rgb_array", width=size, height=size,
               max_episode_steps=steps)
renders = [0]
class Count(gym.Wrapper):
    def render(self):
        renders[0] += 1
        return self.env.render()
env = Count(env)
if side.startswith("gymrec"):
    import gymrec
    env = gymrec.RecordVideo(env, out, episode_trigger=lambda e: True,
                             keep=gymrec.keep.best(2, every=episodes), format=fmt,
                             snapshot=None if side == "gymrec held" else False)
elif side == "gymnasium + select":
    from gymnasium.wrappers import RecordVideo
    env = RecordVideo(env, out, episode_trigger=lambda e: True, disable_logger=True)
returns = []
start = time.perf_counter()
for episode in range(episodes):
    env.reset(seed=episode)
    rng = np.random.default_rng(episode)
    ret = 0.0
    for _ in range(steps):
        _, reward, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 6).astype(np.float32))
        ret += float(reward)
        if terminated or truncated:
            break
    returns.append(ret)
env.close()
if side == "gymnasium + select":
    best = sorted(range(episodes), key=lambda e: (-returns[e], e))[:2]
    for name in os.listdir(out):
        if not any(name == f"rl-video-episode-{e}.mp4" for e in best):
            os.remove(os.path.join(out, name))
seconds = time.perf_counter() - start
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
cpu = sum(u.ru_utime + u.ru_stime for u in usage)
best = sorted(range(episodes), key=lambda e: (-returns[e], e))[:2]
print(json.dumps({"seconds": seconds, "cpu": cpu, "renders": renders[0], "best": sorted(best),
                  "peak_mib": usage[0].ru_maxrss / 1024}))
"""

LIVE = r"""
import json, sys
import gymnasium as gym
import numpy as np
steps, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
kept = [int(e) for e in sys.argv[4].split(",")]
env = gym.make("HalfCheetah-v5", render_mode="rgb_array", width=size, height=size,
               max_episode_steps=steps)
for episode in range(max(kept) + 1):  # every episode rendered, as a live recording does
    env.reset(seed=episode)
    rng = np.random.default_rng(episode)
    frames = [env.render()]
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 6).astype(np.float32))
        frames.append(env.render())
        if terminated or truncated:
            break
    if episode in kept:
        np.save(f"{out}/live-{episode}.npy", np.stack(frames))
print(json.dumps({}))
"""


def png_frames(folder: str):
    """The frames of a PNG-sequence video, in order."""
    import numpy as np
    from PIL import Image

    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    return np.stack([np.asarray(Image.open(os.path.join(folder, n)).convert("RGB")) for n in names])


def check(args, tmp: str) -> str:
    """Kept PNG frames of the held side against live frames of the same seeds and actions."""
    import numpy as np

    out = os.path.join(tmp, "check")
    argv = ["gymrec held", str(args.episodes), str(args.steps), str(args.size), out, "png"]
    held = run_child(CHILD, argv, tmp)
    best = held["best"]
    run_child(LIVE, [str(args.steps), str(args.size), tmp, ",".join(map(str, best))], tmp)
    lines = []
    for e in best:
        kept = png_frames(os.path.join(out, f"rl-video-episode-{e}-best"))
        live = np.load(os.path.join(tmp, f"live-{e}.npy"))
        same = kept.shape == live.shape and bool((kept == live).all())
        diff = int(np.abs(kept.astype(int) - live).max()) if kept.shape == live.shape else -1
        lines.append(
            f"episode {e}: {len(kept)} kept PNG frames vs {len(live)} live: "
            f"{'identical' if same else 'DIFFERENT'} (max abs difference {diff})"
        )
    lines.append(f"renders by the held side: {held['renders']} (2 episodes' frames)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--size", type=int, default=480, help="frame width and height")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check-only", action="store_true", help="only the frames' check")
    args = parser.parse_args()
    if args.check_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(check(args, tmp))
        return
    os.environ.setdefault("MUJOCO_GL", "osmesa")
    sides = ["gymrec held", "gymrec frames", "gymnasium + select", "bare loop"]
    results: dict[str, list[dict]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for side in sides:
                out = os.path.join(tmp, f"{side}-{r}".replace(" ", "-").replace("+", "and"))
                argv = [side, str(args.episodes), str(args.steps), str(args.size), out]
                result = run_child(CHILD, argv, tmp)
                result["files"] = sorted(os.listdir(out)) if os.path.isdir(out) else []
                results[side].append(result)
                print(side, r, result, file=sys.stderr, flush=True)
        checked = check(args, tmp)
    print(
        f"HalfCheetah-v5 {args.size}x{args.size} (OSMesa), {args.episodes} episodes of "
        f"{args.steps} steps, keep the best 2; medians of {args.rounds} alternating rounds"
    )
    print("| side | wall s | CPU s | env renders | x bare loop | files kept |")
    print("|---|---:|---:|---:|---:|---|")
    bare = statistics.median(r["seconds"] for r in results["bare loop"])
    for side, rounds in results.items():
        wall = statistics.median(r["seconds"] for r in rounds)
        cpu = statistics.median(r["cpu"] for r in rounds)
        renders = rounds[0]["renders"]
        files = ", ".join(rounds[0]["files"]) or "-"
        print(f"| {side} | {wall:.2f} | {cpu:.2f} | {renders} | {wall / bare:.1f} | {files} |")
    print(checked)


if __name__ == "__main__":
    main()
