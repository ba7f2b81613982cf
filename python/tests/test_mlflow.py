"""MLflow against a real tracking server (``mlflow server`` of the pinned mlflow==3.17.2, started
on 127.0.0.1 on a free port and stopped by its PID), read back with MLflow's own
``MlflowClient``: the ``mlflow`` package's active run (``mlflow=None`` and ``mlflow=True``), and
gymrec's own Rust client given the tracking URI (``mlflow="http://..."``, ``mlflow=True`` with
``MLFLOW_TRACKING_URI``). Every finished video, poster and sidecar is an artifact under
``videos/``, byte-equal to the local file. And when the server is down: stopped and started
again under an active run; no server at all at a tracking URI.

Needs the ``mlflow`` package, which the main test venv does not have (it is 900 MB):
``python/mlflow_test.sh`` runs this file in the venv of ``scripts/mlflow_check.sh``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest
from conftest import mp4s, probe

import gymrec

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402


class Server:
    """An ``mlflow server`` on 127.0.0.1: its store and artifacts in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        mlflow_bin = Path(sys.executable).parent / "mlflow"
        env = {
            **os.environ,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        }
        log = open(self.folder / "server.log", "ab")
        self.process = subprocess.Popen(
            [
                str(mlflow_bin),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--backend-store-uri",
                f"sqlite:///{self.folder}/m.db",
                "--artifacts-destination",
                str(self.folder / "a"),
            ],
            stdout=log,
            stderr=log,
            env=env,
        )
        log.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{self.uri}/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"mlflow server did not answer at {self.uri}/health in 90 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
            self.process = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("mlflow"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tracking(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    """The server as the ``mlflow`` package's tracking URI; MLflow's client of it."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
    mlflow.set_tracking_uri(server.uri)
    yield MlflowClient(server.uri)
    while mlflow.active_run() is not None:
        mlflow.end_run()


def episodes(env: gym.Env | gym.vector.VectorEnv, count: int) -> list[float]:
    """Runs ``count`` episodes of random actions; their returns."""
    env.action_space.seed(0)
    returns = []
    for e in range(count):
        env.reset(seed=e)
        ret, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            ret += float(reward)
            done = terminated or truncated
        returns.append(ret)
    return returns


def artifacts(client: MlflowClient, run_id: str, into: Path) -> dict[str, bytes]:
    """Every artifact under ``videos/`` of the run, by its path below ``videos/``, as the
    server hands it back."""
    local = Path(client.download_artifacts(run_id, "videos", str(into)))
    return {
        p.relative_to(local).as_posix(): p.read_bytes()
        for p in sorted(local.rglob("*"))
        if p.is_file()
    }


def local_files(folder: Path) -> dict[str, bytes]:
    """What should be in the run: each video with its poster and sidecar."""
    files = {}
    for video in mp4s(folder):
        for path in (video, video.with_suffix(".poster.png"), video.with_suffix(".json")):
            assert path.is_file(), path
            files[path.name] = path.read_bytes()
    return files


def test_active_run_of_the_mlflow_package_gets_every_video(tracking, tmp_path):
    mlflow.set_experiment("gymrec-python")
    finished: list[gymrec.FinishedVideo] = []
    with mlflow.start_run(run_name="active") as run:
        env = gymrec.RecordVideo(
            gym.make("CartPole-v1", render_mode="rgb_array"),
            tmp_path / "videos",
            episode_trigger=lambda e: e % 2 == 0,
            gallery=True,
            on_video=finished.append,
        )
        episodes(env, 5)
        env.close()

    assert [v.path.name for v in finished] == [f"rl-video-episode-{e}.mp4" for e in (0, 2, 4)]
    assert all(v.poster is not None and v.sidecar is not None for v in finished)
    sent = artifacts(tracking, run.info.run_id, tmp_path / "back")
    assert sent == local_files(tmp_path / "videos")
    assert len(sent) == 9
    # What the server hands back plays: every frame is decoded.
    back = tmp_path / "back" / "videos" / "rl-video-episode-0.mp4"
    assert probe(back).frames == finished[0].frames


def test_mlflow_true_logs_a_vector_envs_videos_to_the_active_run(tracking, tmp_path):
    mlflow.set_experiment("gymrec-python")
    with mlflow.start_run(run_name="vector") as run:
        envs = gymrec.vector.RecordVideo(
            gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array"),
            tmp_path / "videos",
            step_trigger=lambda s: s % 60 == 0,
            video_length=20,
            gallery=True,
            mlflow=True,
        )
        envs.reset(seed=0)
        envs.action_space.seed(0)
        for _ in range(150):
            envs.step(envs.action_space.sample())
        envs.close()

    assert len(mp4s(tmp_path / "videos")) >= 2
    assert artifacts(tracking, run.info.run_id, tmp_path / "back") == local_files(
        tmp_path / "videos"
    )


def test_no_active_run_and_mlflow_none_logs_nothing(tracking, tmp_path):
    mlflow.set_experiment("gymrec-python-none")
    env = gymrec.RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), tmp_path)
    episodes(env, 2)
    env.close()
    assert len(mp4s(tmp_path)) == 2
    experiment = tracking.get_experiment_by_name("gymrec-python-none")
    assert tracking.search_runs([experiment.experiment_id]) == []


def test_tracking_uri_through_gymrecs_client(tracking, tmp_path):
    env = gymrec.RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        tmp_path / "videos",
        episode_trigger=lambda e: e in (1, 3),
        gallery=True,
        mlflow=tracking.tracking_uri,
        mlflow_experiment="gymrec-python-uri",
        mlflow_run_name="uri",
    )
    returns = episodes(env, 4)
    env.close()

    experiment = tracking.get_experiment_by_name("gymrec-python-uri")
    [run] = tracking.search_runs([experiment.experiment_id])
    assert run.info.run_name == "uri"
    assert run.info.status == "FINISHED"
    assert run.data.params["env"] == "CartPole-v1"
    assert run.data.tags["gymrec.env"] == "CartPole-v1"
    history = tracking.get_metric_history(run.info.run_id, "episode/return")
    assert [(m.step, m.value) for m in history] == list(enumerate(returns))
    sent = artifacts(tracking, run.info.run_id, tmp_path / "back")
    assert sent == local_files(tmp_path / "videos")
    assert sorted(sent) == sorted(
        f"rl-video-episode-{e}{ext}" for e in (1, 3) for ext in (".mp4", ".poster.png", ".json")
    )


def test_mlflow_true_without_a_run_uses_mlflow_tracking_uri(tracking, tmp_path):
    assert mlflow.active_run() is None
    envs = gymrec.vector.RecordVideo(
        gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array"),
        tmp_path / "videos",
        episode_trigger=lambda e: e == 1,
        mlflow=True,
        mlflow_experiment="gymrec-python-env",
    )
    envs.reset(seed=0)
    envs.action_space.seed(0)
    while envs.episode_id < 2:
        envs.step(envs.action_space.sample())
    envs.close()

    experiment = tracking.get_experiment_by_name("gymrec-python-env")
    [run] = tracking.search_runs([experiment.experiment_id])
    # Named as `gymrec record` names its runs: the env id, the default prefix left out.
    assert run.info.run_name == "CartPole-v1"
    [video] = mp4s(tmp_path / "videos")
    sent = artifacts(tracking, run.info.run_id, tmp_path / "back")
    assert sent == {video.name: video.read_bytes()}


def test_server_down_then_up_again_active_run(server, tracking, tmp_path, monkeypatch):
    """The server stopped while videos finish: a warning names the server and each file, the
    loop goes on, the files stay; started again, close() sends what failed."""
    # MLflow's client retries a refused connection for minutes by itself; once here.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_experiment("gymrec-python-outage")
    run = mlflow.start_run(run_name="outage")
    finished: list[gymrec.FinishedVideo] = []
    env = gymrec.RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        tmp_path / "videos",
        episode_trigger=lambda e: e in (0, 1),
        on_video=finished.append,
    )
    server.stop()
    names = ("rl-video-episode-0.mp4", "rl-video-episode-1.mp4")

    def warned(texts: list[str]) -> bool:
        return all(
            any(name in t and server.uri in t and "not logged to MLflow" in t for t in texts)
            for name in names
        )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Both videos finished and handed over while the server is down.
        while len(finished) < 2 and env.episode_id < 1000:
            episodes(env, 1)
        deadline = time.monotonic() + 60
        while not warned([str(w.message) for w in caught]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(v.is_file() for v in mp4s(tmp_path / "videos"))
        server.start()
        env.close()
    mlflow.end_run()

    texts = [str(w.message) for w in caught]
    assert warned(texts), texts
    assert not any("were not logged" in t for t in texts), texts
    videos = mp4s(tmp_path / "videos")
    assert len(videos) == 2
    sent = artifacts(tracking, run.info.run_id, tmp_path / "back")
    assert sent == {v.name: v.read_bytes() for v in videos}


def test_no_server_at_the_uri_recording_goes_on_and_close_warns(tmp_path):
    """gymrec's client retries each call with backoff (6 tries over about 15 s), then once
    more at close(), which warns about what was not sent instead of raising."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    uri = f"http://127.0.0.1:{port}"
    finished: list[gymrec.FinishedVideo] = []
    env = gymrec.RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        tmp_path,
        episode_trigger=lambda e: e < 2,
        mlflow=uri,
        on_video=finished.append,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        episodes(env, 3)
        env.close()  # warns, never raises

    assert [v.path for v in finished] == mp4s(tmp_path)
    for video in finished:
        assert probe(video.path).frames == video.frames
    texts = [str(w.message) for w in caught]
    not_sent = [t for t in texts if uri in t and "not sent" in t and "kept" in t]
    for video in finished:
        assert any(f"videos/{video.path.name}" in t for t in not_sent), texts
