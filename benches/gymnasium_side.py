"""The Gymnasium side of benches/compare.py: one workload recorded with
Gymnasium's RecordVideo, driven by the same heuristic controllers as
`gymrec record --policy heuristic` (src/policy.rs), so both sides run the
same episodes' lengths: CartPole balances to its step limit, Pendulum never
terminates (its limit is the episode length).

    python gymnasium_side.py ENV_ID EPISODES MAX_STEPS OUT_DIR

Prints one JSON line: frames captured, seconds.
"""

import json
import math
import sys
import time

import gymnasium as gym
from gymnasium.wrappers import RecordVideo


def cartpole(obs):
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0.0)


def pendulum(obs):
    cos, sin, theta_dot = (float(v) for v in obs)
    theta = math.atan2(sin, cos)
    if cos > 0.85:
        u = -(10.0 * theta + 2.0 * theta_dot)
    else:
        energy = theta_dot * theta_dot / 6.0 + 5.0 * (cos - 1.0)
        along = 1.0 if theta_dot >= 0.0 else -1.0
        u = -2.0 * math.copysign(1.0, energy) * along
    return [max(-2.0, min(2.0, u))]


POLICIES = {"CartPole-v1": cartpole, "Pendulum-v1": pendulum}


def main():
    env_id, episodes, max_steps, out_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    policy = POLICIES[env_id]
    env = gym.make(env_id, render_mode="rgb_array", max_episode_steps=max_steps)
    env = RecordVideo(env, out_dir, episode_trigger=lambda e: True, disable_logger=True)
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
    print(json.dumps({"frames": frames, "seconds": seconds}))


if __name__ == "__main__":
    main()
