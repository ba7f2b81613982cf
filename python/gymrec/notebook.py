"""Videos inline in notebooks: :func:`show` (a video, a GIF or a folder of them) and the
``_repr_html_`` of :class:`gymrec.FinishedVideo`.

A notebook (Jupyter, JupyterLab, VS Code, Colab) shows an object's ``_repr_html_()``: an MP4 or
WebM becomes ``<video controls>`` and a GIF ``<img>``, the file embedded as a base64 ``data:``
URI while it is at most ``max_mb`` MiB (so it plays where the notebook's files are not served,
as in Colab, and stays in the saved notebook), else linked by its path relative to the kernel's
working folder (the notebook's, which Jupyter serves). A folder becomes a grid of its videos,
each with its poster (``*.poster.png``, written with ``gallery=True``) and what its sidecar or
``index.jsonl`` line says, embedded while the folder's total stays within ``max_mb``.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from gymrec.finished import FinishedVideo

__all__ = ["DEFAULT_MAX_MB", "Shown", "show"]

#: The default cap, in MiB, on what :func:`show` embeds (one video, or a folder's in total).
DEFAULT_MAX_MB = 10.0

#: The MIME type of each file extension shown, and whether it plays as a video.
_KINDS = {
    ".mp4": ("video/mp4", True),
    ".webm": ("video/webm", True),
    ".gif": ("image/gif", False),
    ".png": ("image/png", False),
}
#: The first frame of a ``format="png"`` video, a folder of frames.
_FIRST_PNG_FRAME = "frame-000000.png"

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class _Video:
    """One video to show: its file and what is known of it."""

    path: Path
    frames: int | None = None
    fps: float | None = None
    episodes: tuple[tuple[int, float | None], ...] = ()
    incomplete: bool = False

    @property
    def shown_file(self) -> Path:
        """The file embedded: the video, or a PNG video's first frame."""
        return self.path / _FIRST_PNG_FRAME if self.path.is_dir() else self.path

    @property
    def poster(self) -> Path | None:
        """gymrec's poster beside the video (``gallery=True``), if there is one."""
        poster = self.path.with_name(self.path.stem + ".poster.png")
        return poster if poster.is_file() else None

    def caption(self) -> str:
        parts = [self.path.name]
        for episode, ret in self.episodes[:3]:
            parts.append(f"episode {episode}" + ("" if ret is None else f", return {ret:g}"))
        if len(self.episodes) > 3:
            parts.append(f"{len(self.episodes) - 3} more episodes")
        if self.frames is not None:
            rate = "" if self.fps is None else f" at {self.fps:g} fps"
            parts.append(f"{self.frames} frames{rate}")
        if self.path.is_dir():
            parts.append("PNG frames: the first shown")
        if self.incomplete:
            parts.append("cut short by a write error")
        return " · ".join(parts)


def _from_finished(video: FinishedVideo) -> _Video:
    episodes = tuple(zip(video.episodes, [float(r) for r in video.returns]))
    return _Video(video.path, video.frames, float(video.fps), episodes, video.incomplete)


def _from_facts(path: Path, facts: dict[str, Any] | None) -> _Video:
    """A video with what its sidecar or ``index.jsonl`` line says, when there is one."""
    if not facts:
        return _Video(path)
    episodes = tuple((int(e["episode"]), e.get("return")) for e in facts.get("episodes", []))
    return _Video(path, facts.get("frames"), facts.get("fps"), episodes)


def _sidecar(path: Path) -> dict[str, Any] | None:
    sidecar = path.with_name(path.stem + ".json")
    try:
        facts: dict[str, Any] = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return None
    return facts


def _is_video(path: Path) -> bool:
    if path.is_dir():
        return (path / _FIRST_PNG_FRAME).is_file()
    return path.suffix in (".mp4", ".webm", ".gif")


def _natural(path: Path) -> list[Any]:
    """Sorts ``rl-video-episode-8`` before ``rl-video-episode-27``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _folder_videos(folder: Path) -> list[_Video]:
    """The folder's videos in natural name order, with their ``index.jsonl`` facts (else their
    sidecars')."""
    index: dict[str, dict[str, Any]] = {}
    try:
        for line in (folder / "index.jsonl").read_text().splitlines():
            if line.strip():
                facts = json.loads(line)
                index[facts["file"]] = facts
    except (OSError, ValueError, KeyError):
        pass
    paths = sorted((p for p in folder.iterdir() if _is_video(p)), key=_natural)
    return [_from_facts(p, index.get(p.name) or _sidecar(p)) for p in paths]


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _link(path: Path) -> str:
    """``path`` relative to the working folder, as a URL."""
    relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    return urllib.parse.quote(Path(relative).as_posix())


def _card(video: _Video, embed: bool, style: str) -> str:
    """A ``<figure>``: the video (``<video controls>``) or picture (``<img>``), its caption."""
    file = video.shown_file
    mime, plays = _KINDS[file.suffix]
    src = _data_uri(file, mime) if embed else _link(file)
    caption = html.escape(video.caption())
    if not embed:
        size = file.stat().st_size / 2**20
        caption += f" · {size:.1f} MiB, linked (over max_mb; pass a larger max_mb to embed)"
    if plays:
        poster = video.poster
        poster_attr = "" if poster is None else f' poster="{_data_uri(poster, "image/png")}"'
        preload = "metadata" if embed else "none"
        media = (
            f'<video controls preload="{preload}"{poster_attr} style="{style}">'
            f'<source src="{src}" type="{mime}"></video>'
        )
    else:
        media = f'<img src="{src}" alt="{html.escape(file.name)}" style="{style}">'
    return (
        f'<figure style="margin:0">{media}'
        f'<figcaption style="font:12px sans-serif;opacity:.8">{caption}</figcaption></figure>'
    )


class Shown:
    """What :func:`show` returns: shown by notebooks through :meth:`_repr_html_` (read from disk
    then), and as its paths elsewhere."""

    def __init__(self, videos: list[_Video], max_mb: float, grid: Path | None) -> None:
        self._videos = videos
        self._max_bytes = max_mb * 2**20
        self._grid = grid

    @property
    def paths(self) -> list[Path]:
        """The videos shown (one, or a folder's)."""
        return [video.path for video in self._videos]

    def _repr_html_(self) -> str:
        """The HTML a notebook shows: one ``<figure>``, or a grid of them for a folder."""
        if self._grid is None:
            [video] = self._videos
            embed = video.shown_file.stat().st_size <= self._max_bytes
            return _card(video, embed, "max-width:100%")
        if not self._videos:
            return f"<p>No videos in {html.escape(str(self._grid))}</p>"
        cards, budget = [], self._max_bytes
        for video in self._videos:
            size = video.shown_file.stat().st_size
            embed = size <= budget
            budget -= size if embed else 0
            cards.append(_card(video, embed, "width:100%"))
        return (
            '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));'
            f'gap:12px">{"".join(cards)}</div>'
        )

    def __repr__(self) -> str:
        return f"Shown({[str(p) for p in self.paths]!r})"


def show(path_or_folder: PathLike | FinishedVideo, max_mb: float = DEFAULT_MAX_MB) -> Shown:
    """Shows a video, a GIF or a folder of videos inline in a notebook (the last expression of a
    cell, or ``IPython.display.display(...)``).

    Args:
        path_or_folder: An ``.mp4`` or ``.webm`` video (shown as ``<video controls>``), a
            ``.gif`` or ``.png`` (``<img>``), a ``format="png"`` video's folder (its first
            frame), a :class:`gymrec.FinishedVideo`, or a folder of videos (a grid of them,
            in natural name order, with their posters, episodes and returns when
            ``gallery=True`` wrote them).
        max_mb: What is embedded at most, in MiB: a larger video (or, in a folder, the videos
            past that total) is linked by its path relative to the working folder instead.

    Raises:
        FileNotFoundError: ``path_or_folder`` does not exist.
        ValueError: It is a file of another kind, or ``max_mb`` is negative.
    """
    if max_mb < 0:
        raise ValueError(f"gymrec.show: max_mb={max_mb} is negative; give 0 to link every video")
    if isinstance(path_or_folder, FinishedVideo):
        return Shown([_from_finished(path_or_folder)], max_mb, None)
    path = Path(path_or_folder)
    if not path.exists():
        raise FileNotFoundError(f"gymrec.show: {path} does not exist")
    if path.is_dir():
        if _is_video(path):
            return Shown([_Video(path)], max_mb, None)
        return Shown(_folder_videos(path), max_mb, path)
    if path.suffix not in _KINDS:
        kinds = ", ".join(_KINDS)
        raise ValueError(f"gymrec.show: {path} is not a video gymrec shows ({kinds}, a folder)")
    return Shown([_from_facts(path, _sidecar(path))], max_mb, None)
