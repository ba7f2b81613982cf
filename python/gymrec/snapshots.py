"""Snapshots instead of frames: with a keep rule, pay rendering only for the videos kept.

With ``keep=``, :class:`gymrec.RecordVideo` can hand gymrec's recorder a snapshot of the env's
state at each recorded step instead of a rendered frame. The recorder holds a running video's
snapshots; when a video is kept it draws each one through ``render_snapshot`` (on your thread,
at the ``step``/``reset``/``close`` that decided it) and encodes the frames; a video the rule
drops is never rendered.

- Gymnasium's MuJoCo envs (``gymnasium.envs.mujoco.MujocoEnv``: ``env.unwrapped`` has
  ``model``, ``data`` and ``mujoco_renderer``) get this by themselves: :func:`mujoco_snapshot`
  saves the physics state (``mujoco.mj_getState`` with ``mjSTATE_INTEGRATION``: a few hundred
  bytes), :func:`mujoco_render_snapshot` sets it, runs ``mj_forward``, renders with the env's
  own renderer and camera, and restores the state it found exactly (``qpos``, ``qvel``,
  ``act``, ``time``, the warm start: bit for bit).
- Other envs: pass ``snapshot=f(env) -> bytes`` and ``render_snapshot=g(env, state) -> frame``
  (an ``(height, width, 3)`` array) to ``RecordVideo``; ``g`` must leave the env as it found
  it.
- Envs without either record frames as without a rule: rendered and encoded, and deleted
  when not kept.

The first recorded step renders once (``env.render()``): to learn the frame size, and to set
the env's renderer up when a live recording would (Gymnasium's MuJoCo renderer aims its free
camera at the median of the geoms' positions at its first render, so frames depend on when
that is). Kept frames are then those a live recording renders, pixel for pixel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_mujoco", "mujoco_render_snapshot", "mujoco_snapshot"]


def is_mujoco(env: Any) -> bool:
    """Whether ``env`` is one of Gymnasium's MuJoCo envs (its ``unwrapped`` has ``model``,
    ``data`` and a ``mujoco_renderer``)."""
    base = getattr(env, "unwrapped", env)
    return all(hasattr(base, name) for name in ("model", "data", "mujoco_renderer"))


#: The fields of ``mjData`` the renderer draws from (``mjv_updateScene``): the kinematics as the
#: last ``mj_step`` left them. A snapshot keeps them beside the state, because after a step they
#: are those of the state *before* its last integration (what a live ``render()`` shows), which
#: ``mj_forward`` on the saved state would not give back.
KINEMATICS = (
    "xpos",
    "xquat",
    "xmat",
    "xipos",
    "ximat",
    "xanchor",
    "xaxis",
    "geom_xpos",
    "geom_xmat",
    "site_xpos",
    "site_xmat",
    "cam_xpos",
    "cam_xmat",
    "light_xpos",
    "light_xdir",
    "subtree_com",
    "ten_wrapadr",
    "ten_wrapnum",
    "wrap_obj",
    "wrap_xpos",
    "flexvert_xpos",
)


def _state_spec() -> Any:
    import mujoco

    return mujoco.mjtState.mjSTATE_INTEGRATION


def _get_state(model: Any, data: Any) -> np.ndarray:
    import mujoco

    spec = _state_spec()
    state = np.empty(mujoco.mj_stateSize(model, spec), dtype=np.float64)
    mujoco.mj_getState(model, data, state, spec)
    return state


def _kinematics(data: Any) -> list[np.ndarray]:
    return [getattr(data, name) for name in KINEMATICS if hasattr(data, name)]


def mujoco_snapshot(env: Any) -> bytes:
    """A MuJoCo env's state as bytes: the physics state (``mj_getState``,
    ``mjSTATE_INTEGRATION``) and the kinematics the renderer draws (:data:`KINEMATICS`), about
    4 KB for HalfCheetah."""
    base = env.unwrapped
    parts = [_get_state(base.model, base.data)]
    parts += [field.astype(np.float64, copy=False).ravel() for field in _kinematics(base.data)]
    return np.concatenate(parts).tobytes()


def _put(model: Any, data: Any, values: np.ndarray) -> None:
    """Sets the state and kinematics of ``values`` (laid out as :func:`mujoco_snapshot`)."""
    import mujoco

    size = mujoco.mj_stateSize(model, _state_spec())
    mujoco.mj_setState(model, data, values[:size], _state_spec())
    at = size
    for field in _kinematics(data):
        field.ravel()[:] = values[at : at + field.size]
        at += field.size


def mujoco_render_snapshot(env: Any, state: bytes) -> Any:
    """The frame of a state :func:`mujoco_snapshot` saved, rendered by ``env.render()`` (the
    env's own renderer and camera). The env is restored exactly as it was found (its state and
    kinematics copied back, bit for bit), also when the render raises."""
    base = env.unwrapped
    model, data = base.model, base.data
    saved = np.frombuffer(mujoco_snapshot(env), dtype=np.float64).copy()
    try:
        _put(model, data, np.frombuffer(state, dtype=np.float64).copy())
        return env.render()
    finally:
        _put(model, data, saved)
