"""``gymrec.RecordState``: velora's recording state; ``to_wrapper()`` feeds ``RecordVideo``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from gymrec._native import check_record_state

RecordMethodLiteral = Literal["episode", "step"]


@dataclass
class RecordState:
    """A storage container for the video recording state (velora's ``RecordState``).

    Parameters:
        dirpath (Path): the video directory path to store the videos
        method (Literal["episode", "step"]): the recording method
        episode_trigger (Callable[[int], bool], optional): the ``episode`` recording trigger
        step_trigger (Callable[[int], bool], optional): the ``step`` recording trigger

    ``gymrec.RecordVideo(env, **state.to_wrapper())`` records as velora's Gymnasium wrapper did.
    """

    dirpath: Path
    method: RecordMethodLiteral
    episode_trigger: Callable[[int], bool] | None = None
    step_trigger: Callable[[int], bool] | None = None

    def to_wrapper(self) -> dict[str, Any]:
        """Converts the state into wrapper parameters: the keyword arguments
        ``video_folder``, ``episode_trigger`` and ``step_trigger`` of ``RecordVideo``.

        Checked as gymrec's Rust ``RecordState::to_wrapper`` checks it: ``ValueError`` for a
        ``"step"`` method with no step trigger, an ``"episode"`` method with only a step
        trigger, or another method.
        """
        check_record_state(
            os.fspath(self.dirpath),
            self.method,
            self.episode_trigger is not None,
            self.step_trigger is not None,
        )
        return {
            "video_folder": self.dirpath,
            "episode_trigger": self.episode_trigger,
            "step_trigger": self.step_trigger,
        }
