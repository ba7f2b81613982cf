"""huggingface_sb3 3.0's ``package_to_hub`` replay, the Hugging Face Deep RL Course's last step:
its ``_generate_replay`` records with ``VecVideoRecorder`` and then reads
``env.video_recorder.path``, which SB3 removed in 2.4, so it pushes no replay video with SB3
2.9. After ``gymrec.patch()`` it finds gymrec's recorder there and writes ``replay.mp4``. No
network: ``_generate_replay`` is called directly, as ``package_to_hub`` calls it."""

from __future__ import annotations

import json

import pytest
from conftest import probe, run_script

pytest.importorskip("stable_baselines3")
pytest.importorskip("huggingface_sb3")

#: Trains nothing (a fresh PPO's actions are as good as any) and makes the replay into argv[1];
#: argv[2] is "patch" to call gymrec.patch() before huggingface_sb3 is imported.
REPLAY = """
    import json, os, sys
    from pathlib import Path
    if sys.argv[2] == "patch":
        import gymrec
        gymrec.patch()
    from huggingface_sb3.push_to_hub import _generate_replay
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    env = make_vec_env("CartPole-v1", n_envs=1, seed=0, env_kwargs={"render_mode": "rgb_array"})
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, seed=0)
    out = Path(sys.argv[1])
    _generate_replay(model, env, 60, True, out)
    print(json.dumps({"replay": os.path.exists(out / "replay.mp4")}))
"""


@pytest.mark.parametrize("patched", [True, False], ids=["gymrec.patch()", "SB3's own recorder"])
def test_generate_replay_writes_replay_mp4_only_through_gymrec(tmp_path, patched):
    out = tmp_path / "repo"
    out.mkdir()
    done = run_script(
        tmp_path / "replay.py", REPLAY, str(out), "patch" if patched else "plain", timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not patched:
        # The comparison: SB3 2.9's recorder has no video_recorder, so no replay is pushed.
        assert result == {"replay": False}
        assert "video_recorder" in done.stdout + done.stderr
        return
    assert result == {"replay": True}, done.stdout + done.stderr
    facts = probe(out / "replay.mp4")
    # huggingface_sb3 re-encodes gymrec's file with the ffmpeg CLI; gymrec's holds exactly
    # video_length frames (SB3's would hold video_length + 1).
    assert facts.frames == 60
    assert (facts.width, facts.height) == (600, 400)
