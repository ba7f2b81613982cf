"""A script shaped like CleanRL's ppo.py, run unmodified by test_patch.py: its arguments, its
``make_env`` thunks (``gym.wrappers.RecordVideo`` on env 0 of a ``SyncVectorEnv``, the default
capped cubic schedule, ``videos/{run_name}``), ``--track`` with ``wandb.init(monitor_gym=True)``
and its episode printing; the agent is left out (seeded random actions), so it needs no torch.
``python cleanrl_ppo.py --capture-video`` records with Gymnasium's wrapper,
``python -m gymrec run cleanrl_ppo.py --capture-video`` with gymrec's."""

import argparse
import os
import random
import time

import gymnasium as gym
import numpy as np


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exp-name", type=str, default=os.path.basename(__file__)[: -len(".py")])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--track", action="store_true")
    parser.add_argument("--wandb-project-name", type=str, default="cleanRL")
    parser.add_argument("--capture-video", action="store_true")
    parser.add_argument("--env-id", type=str, default="CartPole-v1")
    parser.add_argument("--total-timesteps", type=int, default=1000)
    parser.add_argument("--num-envs", type=int, default=4)
    return parser.parse_args()


def make_env(env_id, idx, capture_video, run_name):
    def thunk():
        if capture_video and idx == 0:
            env = gym.make(env_id, render_mode="rgb_array")
            env = gym.wrappers.RecordVideo(env, f"videos/{run_name}")
        else:
            env = gym.make(env_id)
        env = gym.wrappers.RecordEpisodeStatistics(env)
        return env

    return thunk


if __name__ == "__main__":
    args = parse_args()
    run_name = f"{args.env_id}__{args.exp_name}__{args.seed}__{int(time.time())}"
    if args.track:
        import wandb

        wandb.init(
            project=args.wandb_project_name,
            config=vars(args),
            name=run_name,
            monitor_gym=True,
        )
    random.seed(args.seed)
    np.random.seed(args.seed)

    envs = gym.vector.SyncVectorEnv(
        [make_env(args.env_id, i, args.capture_video, run_name) for i in range(args.num_envs)],
    )
    assert isinstance(envs.single_action_space, gym.spaces.Discrete), "only discrete actions"
    envs.action_space.seed(args.seed)
    next_obs, _ = envs.reset(seed=args.seed)
    for global_step in range(0, args.total_timesteps, args.num_envs):
        next_obs, reward, terminations, truncations, infos = envs.step(envs.action_space.sample())
        if "episode" in infos:
            for i in np.nonzero(infos["_episode"])[0]:
                print(f"global_step={global_step}, episodic_return={infos['episode']['r'][i]}")
    envs.close()
