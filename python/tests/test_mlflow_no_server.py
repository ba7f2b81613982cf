"""``mlflow=`` without a server: what is refused at construction (test_mlflow.py has the real
server, and a tracking URI nobody answers at)."""

from __future__ import annotations

import sys

import gymnasium as gym
import pytest

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
