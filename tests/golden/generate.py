"""Renders the golden PNGs that tests/it/render_golden.rs compares against.

Each folder tests/golden/<EnvId>/ holds a states.json: a list of
{"name": str, "state": [floats in the order of env.unwrapped.state],
 "last_u": float or null (Pendulum's arrow)}. For each entry this script sets
env.unwrapped.state (and last_u), calls render() and writes <name>.png beside it.

Run from the repository root with Gymnasium installed:
    python3 -m venv /tmp/gymvenv && /tmp/gymvenv/bin/pip install "gymnasium[classic-control]==1.4.0"
    /tmp/gymvenv/bin/python tests/golden/generate.py
"""

import json
import pathlib

import gymnasium as gym
import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).parent

for states_file in sorted(ROOT.glob("*/states.json")):
    env_id = states_file.parent.name
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    for entry in json.loads(states_file.read_text()):
        env.unwrapped.state = np.array(entry["state"], dtype=np.float64)
        if hasattr(env.unwrapped, "last_u"):
            env.unwrapped.last_u = entry.get("last_u")  # no key: no arrow
        frame = env.render()
        Image.fromarray(frame).save(states_file.parent / f"{entry['name']}.png", optimize=True)
        print(env_id, entry["name"], frame.shape)
    env.close()
print("gymnasium", gym.__version__)
