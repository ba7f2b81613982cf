"""Keep rules: which recorded videos are kept, decided when their episodes end.

Pass one as ``keep=`` to :class:`gymrec.RecordVideo`, :class:`gymrec.vector.RecordVideo` or
:class:`gymrec.sb3.VecVideoRecorder`::

    from gymrec import keep
    env = gymrec.RecordVideo(env, "videos", episode_trigger=lambda e: True,
                             keep=keep.any_of(keep.failures(), keep.best(2, every=20)))

The rules are gymrec's Rust ``record::Keep``, judged by its ``Recorder``: a video is kept when
any episode that ends in it is kept, and deleted under its working name otherwise, before
anything (``on_video``, the gallery, W&B, MLflow, TensorBoard) hears of it. Kept videos' names
end with the rule's label (``rl-video-episode-7-failure.mp4``) unless ``outcome_in_name=False``.

What counts as a success (``success=``) is one of:

- ``"is_success"`` (the default): the last step's ``info["is_success"]`` is true or a non-zero
  number (Stable-Baselines3's and Gymnasium-Robotics' convention);
- a number: the episode's return is at least it;
- ``"terminated"``: the episode reached a terminal state (a goal: MountainCar);
- ``"truncated"``: it was cut short by a time limit without terminating (it survived:
  CartPole).
"""

from __future__ import annotations

from typing import Callable

from gymrec._native import EpisodeEnd, Keep

__all__ = [
    "EpisodeEnd",
    "Keep",
    "all_of",
    "any_of",
    "best",
    "failures",
    "successes",
    "when",
    "worst",
]


def failures(success: str | float = "is_success") -> Keep:
    """Keeps the episodes that are not a success (see the module's docs for ``success``);
    label ``failure``. A bad ``success`` raises ``ValueError`` or ``TypeError`` naming it."""
    return Keep.failures(success)


def successes(success: str | float = "is_success") -> Keep:
    """Keeps the episodes that are a success; label ``success``."""
    return Keep.successes(success)


def best(n: int, *, every: int) -> Keep:
    """Keeps the ``n`` episodes with the highest returns of each window of ``every`` episodes
    (ids ``0..every``, ``every..2*every``, ...; the earlier id first on a tie), ranked among
    the window's episodes that ended, recorded or not; label ``best``. A window is decided when
    an episode of the next one begins, or at ``close()``; its videos wait on disk until then.
    ``n`` and ``every`` must be at least 1 (``ValueError``)."""
    return Keep.best(n, every)


def worst(n: int, *, every: int) -> Keep:
    """:func:`best` with the lowest returns; label ``worst``."""
    return Keep.worst(n, every)


def any_of(*rules: Keep) -> Keep:
    """Keeps an episode any of ``rules`` keeps (the first keeping rule's label)."""
    return Keep.any_of(*rules)


def all_of(*rules: Keep) -> Keep:
    """Keeps an episode every one of ``rules`` keeps (the first rule's label)."""
    return Keep.all_of(*rules)


def when(predicate: Callable[[EpisodeEnd], object]) -> Keep:
    """Keeps the episodes ``predicate(end)`` is true for; ``end`` is an :class:`EpisodeEnd`
    (``id``, ``ret`` (the return), ``length``, ``terminated``,
    ``truncated`` and ``info``, the JSON-able part of the last step's info). No label unless
    ``.named("slow")``. Its exception reaches your loop from the ``step``/``reset``/``close``
    that judged the episode (the video is kept)."""
    return Keep.when(predicate)
