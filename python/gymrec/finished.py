"""``FinishedVideo``: what ``on_video`` is handed for each finished video."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FinishedVideo:
    """A video gymrec finished writing, as the ``on_video`` callable of
    :class:`gymrec.RecordVideo` and :class:`gymrec.vector.RecordVideo` receives it; shown
    inline by notebooks (``_repr_html_``).

    Attributes:
        path: The file (a folder of frames for ``format="png"``), complete under its final name.
        episode_id: The episode id the episode trigger started the video at, else ``None``.
        step_id: The step id the step trigger started the video after, else ``None``.
        episodes: The ids of the episodes the video shows, in order.
        returns: Each of those episodes' return up to the video's last frame.
        frames: The frames in the file.
        fps: Its frames per second.
        format: ``"mp4"``, ``"webm"``, ``"gif"`` or ``"png"``.
        incomplete: Whether a write error (a full disk) cut the file short, or a recorder that
            died left it and this one recovered it (no ``episodes`` then); it plays up to its
            last complete fragment and ``frames`` counts what it holds.
        poster: The gallery's poster beside it (``<name>.poster.png``, with ``gallery=True``),
            else ``None``.
        sidecar: The gallery's JSON sidecar beside it (``<name>.json``), else ``None``.
    """

    path: Path
    episode_id: int | None
    step_id: int | None
    episodes: tuple[int, ...]
    returns: tuple[float, ...]
    frames: int
    fps: int
    format: str
    incomplete: bool
    poster: Path | None = None
    sidecar: Path | None = None

    def _repr_html_(self) -> str:
        """Notebooks show the video inline: ``<video controls>`` (a GIF as ``<img>``), embedded
        up to :data:`gymrec.notebook.DEFAULT_MAX_MB` (``gymrec.show(video, max_mb=...)`` for
        another cap), with its episodes, returns, frames and fps."""
        from gymrec.notebook import show

        return show(self)._repr_html_()

    @classmethod
    def _from_native(cls, video: dict[str, Any]) -> FinishedVideo:
        """From a dict of ``gymrec._native.Recorder.take_finished``."""
        return cls(
            path=Path(video["path"]),
            episode_id=video["episode_id"],
            step_id=video["step_id"],
            episodes=tuple(video["episodes"]),
            returns=tuple(video["returns"]),
            frames=video["frames"],
            fps=video["fps"],
            format=video["format"],
            incomplete=video["incomplete"],
            poster=None if video["poster"] is None else Path(video["poster"]),
            sidecar=None if video["sidecar"] is None else Path(video["sidecar"]),
        )
