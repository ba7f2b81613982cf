"""``mlflow=`` without a server to talk to (test_mlflow.py has the real one): what is refused
at construction, and a tracking URI nobody answers at, where recording goes on and ``close()``
warns about what was not sent instead of raising."""

from __future__ import annotations

import socket
import sys
import warnings

import gymnasium as gym
import pytest
from conftest import mp4s, probe, run

import gymrec


def cartpole() -> gym.Env:
    return gym.make("CartPole-v1", render_mode="rgb_array")


def test_mlflow_true_without_a_run_or_a_uri_is_a_value_error(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delitem(sys.modules, "mlflow", raising=False)
    with pytest.raises(ValueError, match="MLFLOW_TRACKING_URI is not set"):
        gymrec.RecordVideo(cartpole(), tmp_path, mlflow=True)
    with pytest.raises(ValueError, match="MLFLOW_TRACKING_URI is not set"):
        gymrec.vector.RecordVideo(
            gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array"),
            tmp_path,
            mlflow=True,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("uri", ["https://mlflow.example.com", "file:./mlruns", "http://"])
def test_a_uri_gymrecs_client_cannot_use_is_a_value_error(tmp_path, monkeypatch, uri):
    with pytest.raises(ValueError, match="http://HOST:PORT") as raised:
        gymrec.RecordVideo(cartpole(), tmp_path, mlflow=uri)
    assert uri in str(raised.value)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delitem(sys.modules, "mlflow", raising=False)
    with pytest.raises(ValueError, match="mlflow.start_run"):
        gymrec.RecordVideo(cartpole(), tmp_path, mlflow=True)


def test_mlflow_of_another_type_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="mlflow=5000"):
        gymrec.RecordVideo(cartpole(), tmp_path, mlflow=5000)  # type: ignore[arg-type]


def test_no_server_at_the_uri_recording_goes_on_and_close_warns(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    uri = f"http://127.0.0.1:{port}"
    finished: list[gymrec.FinishedVideo] = []
    env = gymrec.RecordVideo(
        cartpole(),
        tmp_path,
        episode_trigger=lambda e: e < 2,
        mlflow=uri,
        on_video=finished.append,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(env, 3)
        env.close()  # warns, never raises

    assert [v.path for v in finished] == mp4s(tmp_path)
    for video in finished:
        assert probe(video.path).frames == video.frames
    texts = [str(w.message) for w in caught]
    not_sent = [t for t in texts if uri in t and "not sent" in t and "kept" in t]
    for video in finished:
        assert any(f"videos/{video.path.name}" in t for t in not_sent), texts
