"""gymrec for Python: Gymnasium's ``RecordVideo`` wrappers, recorded by gymrec's Rust pipeline.

Change one import and keep the rest of the script::

    from gymrec import RecordVideo          # was: from gymnasium.wrappers import RecordVideo
    from gymrec.vector import RecordVideo   # was: from gymnasium.wrappers.vector import RecordVideo
    from gymrec.sb3 import VecVideoRecorder # was: from stable_baselines3.common.vec_env import ...

The counting, the triggers, ``video_length``, the file names, the encoder, the
overlays and the manifest are gymrec's ``Recorder`` (Rust); these wrappers
forward the env's resets, steps and frames to it.

Or change nothing: ``gymrec.patch()`` (or ``python -m gymrec run script.py``) puts gymrec's
recorders where Gymnasium's and SB3's are looked up.
"""

from gymrec import keep, snapshots, vector  # keep rules, snapshot hooks, vector.RecordVideo
from gymrec._native import FORMATS, MP4_BACKEND, __version__, capped_cubic_video_schedule
from gymrec.finished import FinishedVideo
from gymrec.notebook import show
from gymrec.patching import patch, unpatch
from gymrec.state import RecordState
from gymrec.wrappers import RecordVideo

__all__ = [
    "FORMATS",
    "MP4_BACKEND",
    "FinishedVideo",
    "RecordState",
    "RecordVideo",
    "__version__",
    "capped_cubic_video_schedule",
    "keep",
    "snapshots",
    "patch",
    "show",
    "unpatch",
    "vector",
]
