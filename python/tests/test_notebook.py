"""Videos inline in notebooks: a notebook executed by nbclient in a real Jupyter kernel (ipykernel,
this venv's Python) records CartPole and shows a ``FinishedVideo``, a folder, a GIF and a video
over ``max_mb``; the saved notebook's outputs are read back and each embedded video decoded
(base64 -> file -> ffprobe's frame count against what the recorder reported)."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import probe

import gymrec
from gymrec.notebook import Shown

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

#: The notebook's cells, in order; the test reads the outputs of those it names.
CELLS = {
    "record": """
        import json
        import gymnasium as gym
        import gymrec

        def play(env, episodes):
            env.action_space.seed(0)
            for episode in range(episodes):
                env.reset(seed=episode)
                done = False
                while not done:
                    _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                    done = terminated or truncated
            env.close()

        videos, gifs = [], []
        cartpole = lambda: gym.make("CartPole-v1", render_mode="rgb_array")
        play(gymrec.RecordVideo(cartpole(), "videos", episode_trigger=lambda e: e < 2,
                                gallery=True, on_video=videos.append), 3)
        play(gymrec.RecordVideo(cartpole(), "gifs", episode_trigger=lambda e: e == 0,
                                format="gif", on_video=gifs.append), 1)
        print(json.dumps({"videos": [[v.path.name, v.frames] for v in videos],
                          "gif": [gifs[0].path.name, gifs[0].frames]}))
        """,
    "finished": "videos[0]",
    "folder": "gymrec.show('videos')",
    "gif": "gymrec.show(gifs[0].path)",
    "linked": "gymrec.show(videos[1].path, max_mb=0)",
}

DATA_URI = re.compile(r'(?:src|poster)="data:([a-z]+/[a-z0-9]+);base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """A kernelspec running ipykernel on this Python (so the kernel imports this gymrec),
    found through JUPYTER_PATH."""
    spec = tmp_path / "jupyter" / "kernels" / "gymrec-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "gymrec test", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "gymrec-test"


def execute(folder: Path, kernel: str) -> dict[str, dict]:
    """Runs the notebook in ``folder`` (the kernel's working folder), saves it, reads the saved
    file back; each named cell's outputs by name."""
    cells = [nbformat.v4.new_code_cell(_dedent(source)) for source in CELLS.values()]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=kernel,
        timeout=180,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    saved = folder / "executed.ipynb"
    nbformat.write(notebook, saved)
    read = nbformat.read(saved, as_version=4)
    return {name: cell for name, cell in zip(CELLS, read.cells)}


def _dedent(source: str) -> str:
    import textwrap

    return textwrap.dedent(source).strip()


def html_output(cell: dict) -> str:
    [result] = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
    return str(result["data"]["text/html"])


def decoded(html: str, folder: Path, name: str) -> list[tuple[str, Path]]:
    """Each data URI of ``html``: its MIME type and its bytes written to a file."""
    files = []
    for i, (mime, data) in enumerate(DATA_URI.findall(html)):
        path = folder / f"{name}-{i}.{mime.split('/')[1]}"
        path.write_bytes(base64.b64decode(data))
        files.append((mime, path))
    return files


def test_notebook_shows_videos_inline_decoded_from_the_saved_notebook(tmp_path, kernel):
    cells = execute(tmp_path, kernel)
    printed = json.loads(cells["record"]["outputs"][0]["text"])
    (first, first_frames), (second, _) = printed["videos"]
    out = tmp_path / "decoded"
    out.mkdir()

    # A FinishedVideo: <video controls>, the MP4 embedded whole, its poster beside it.
    html = html_output(cells["finished"])
    assert html.count("<video controls") == 1
    media = decoded(html, out, "finished")
    assert [mime for mime, _ in media] == ["image/png", "video/mp4"]
    video = media[1][1]
    assert video.read_bytes() == (tmp_path / "videos" / first).read_bytes()
    assert probe(video).frames == first_frames
    assert f"{first_frames} frames at 50 fps" in html and "episode 0, return " in html

    # The folder: a grid of both videos with their posters, in episode order.
    html = html_output(cells["folder"])
    assert html.count("<figure") == 2 and html.index(first) < html.index(second)
    media = decoded(html, out, "folder")
    assert [mime for mime, _ in media] == ["image/png", "video/mp4"] * 2
    for (_, path), (name, frames) in zip(media[1::2], printed["videos"]):
        assert probe(path).frames == frames, name

    # A GIF: <img>, embedded.
    html = html_output(cells["gif"])
    [(mime, gif)] = decoded(html, out, "gif")
    assert mime == "image/gif" and html.startswith('<figure style="margin:0"><img ')
    assert probe(gif).frames == printed["gif"][1]

    # Over max_mb: linked by its path relative to the kernel's folder, nothing embedded.
    html = html_output(cells["linked"])
    assert f'<source src="videos/{second}" type="video/mp4">' in html
    assert "base64" not in html.split("<source")[1] and "linked (over max_mb" in html


def test_show_refuses_what_it_cannot_show(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.mp4 does not exist"):
        gymrec.show(tmp_path / "missing.mp4")
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(ValueError, match="notes.txt is not a video gymrec shows"):
        gymrec.show(text)
    with pytest.raises(ValueError, match="max_mb=-1 is negative"):
        gymrec.show(tmp_path, max_mb=-1)
    empty = gymrec.show(tmp_path)
    assert isinstance(empty, Shown) and empty.paths == []
    assert "No videos in" in empty._repr_html_()
