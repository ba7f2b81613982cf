"""Each kind of gymrec error raises its Python exception class (python/src/errors.rs maps on
gymrec's ``ErrorKind``): a setting (Config) or what an env refused (Env) is a ``ValueError``, an
existing video (AlreadyExists) a ``FileExistsError``, what failed on disk (Io) or in the encoder
(Video) an ``OSError`` of the subclass the I/O failure behind it gives. (A trigger's own
exception is re-raised as itself: test_record_video.py.)"""

from __future__ import annotations

import shutil

import gymnasium as gym
import pytest
from conftest import Painted, run

import gymrec
from gymrec.vector import RecordVideo as VectorRecordVideo


def test_a_config_error_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="fps = 0") as caught:
        gymrec.RecordVideo(Painted(), str(tmp_path), fps=0)
    assert type(caught.value) is ValueError


def test_an_env_error_is_a_value_error(tmp_path):
    # Sub-envs that render frames of different sizes cannot be tiled into one video.
    envs = gym.vector.SyncVectorEnv([lambda: Painted(64, 48), lambda: Painted(32, 32)])
    envs = VectorRecordVideo(envs, str(tmp_path), episode_trigger=lambda e: True)
    expected = "sub-env 1: frame is 32x32 but the grid's cells are 64x48"
    with pytest.raises(ValueError, match=expected):
        envs.reset(seed=0)
    envs.close()


def test_an_existing_video_is_a_file_exists_error(tmp_path):
    (tmp_path / "rl-video-episode-0.mp4").write_bytes(b"not a video")
    with pytest.raises(FileExistsError, match="rl-video-episode-0.mp4 already exists"):
        gymrec.RecordVideo(Painted(), str(tmp_path), overwrite=False)


def test_a_folder_under_a_file_is_an_os_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    # NotADirectoryError (an OSError), as Python's own os.makedirs raises.
    with pytest.raises(OSError, match="a-file") as caught:
        gymrec.RecordVideo(Painted(), str(blocker / "videos"))
    assert type(caught.value) is NotADirectoryError


# The recorder also warns that the video stopped.
@pytest.mark.filterwarnings("ignore:gymrec. recording stopped:UserWarning")
@pytest.mark.parametrize(
    "format, failed",
    # The recorder creates each video's working file itself (Io), whatever the format.
    [
        ("gif", "rl-video-episode-0.gif.part: No such file"),
        ("mp4", "rl-video-episode-0.mp4.part: No such file"),
    ],
)
def test_a_video_folder_removed_while_recording_is_a_file_not_found_error(tmp_path, format, failed):
    folder = tmp_path / "videos"
    env = gymrec.RecordVideo(Painted(), str(folder), episode_trigger=lambda e: True, format=format)
    shutil.rmtree(folder)
    with pytest.raises(FileNotFoundError, match=failed) as caught:
        run(env, 1)
        env.close()
    assert str(folder) in str(caught.value)
    env.close()
