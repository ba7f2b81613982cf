"""Each finished video logged to the active W&B run, built on the ``on_video`` hook.

Never imports ``wandb``: it is looked up in ``sys.modules`` at each video, so that a script
without W&B pays nothing and ``wandb.init`` may come before or after the wrapper is made.
"""

from __future__ import annotations

import sys
from typing import Any

from gymnasium import logger

from gymrec.finished import FinishedVideo

#: The formats ``wandb.Video`` takes a file of (its ``Video.EXTS``, but ``ogg``).
_LOGGABLE = frozenset({"mp4", "webm", "gif"})


class WandbVideos:
    """Logs each finished video to the active W&B run as ``wandb.Video(path, format=...)``
    under ``key``: always when ``forced`` (``wandb=True``), else when the user asked W&B to
    monitor Gym (``wandb.init(monitor_gym=True)``, which sets ``wandb.patched["gym"]``).

    ``wandb.Video`` of a path copies the file into the run's media folder as it is (no
    re-encoding, no moviepy; the file plays at its own fps). Each video is logged as W&B's own
    Gym integration logged it, ``run.log({key: video})`` without ``step``: its own history row,
    at W&B's current step, which it commits. With ``commit=False`` instead, two videos
    finished between the user's logs (or every video of a script that logs through
    ``sync_tensorboard``, as CleanRL does) would share one row and all but the last be lost.
    The cost: W&B's step moves one past the user's last row per video, so a script logging
    with explicit ``step=`` values should log each step's metrics in one call.
    """

    __slots__ = ("forced", "key", "_warned")

    def __init__(self, key: str, forced: bool) -> None:
        self.key = key
        self.forced = forced
        self._warned = False

    def __call__(self, video: FinishedVideo) -> None:
        wandb: Any = sys.modules.get("wandb")
        run = getattr(wandb, "run", None)
        if run is None:
            return
        if not self.forced and not getattr(wandb, "patched", {}).get("gym"):
            return
        if video.format not in _LOGGABLE:
            if not self._warned:
                self._warned = True
                logger.warn(
                    f"gymrec: {video.path} is not logged to W&B: wandb.Video takes mp4, webm or "
                    f"gif files, not {video.format} (said once)"
                )
            return
        started = (
            f"episode {video.episode_id}"
            if video.episode_id is not None
            else f"step {video.step_id}"
        )
        caption = f"{started}: {video.path.name}, {video.frames} frames at {video.fps} fps"
        try:
            media = wandb.Video(str(video.path), caption=caption, format=video.format)
            run.log({self.key: media})
        except Exception as err:  # W&B's failure never stops the loop; the file stays
            logger.warn(f"gymrec: {video.path} was not logged to W&B ({err!r}); the file is kept")
