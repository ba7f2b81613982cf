"""``gymrec.patch()`` / ``gymrec.unpatch()``: gymrec's recorders where a program looks up
Gymnasium's and SB3's, so that a script nobody edits records through gymrec.

:func:`patch` sets the module attributes a program reads Gymnasium's ``RecordVideo`` wrappers and
SB3's ``VecVideoRecorder`` from (the defining module and every module that re-exports it,
``_SLOTS``) to subclasses of gymrec's drop-ins, which take patch()'s keyword defaults
(``gallery=True``, say) for gymrec's keyword-only extras a Gymnasium-shaped call never passes.
SB3's slots are patched when ``stable_baselines3`` is imported (at once when it already is), and
only when it is installed: an import hook waits for it, so a script without SB3 never imports
it (nor torch). Children started by ``multiprocessing``'s spawn or forkserver methods are
patched the same way before they run anything (as ``coverage`` does it: a stowaway in the
preparation data); forked children inherit the patch.

The limit: a name bound by ``from gymnasium.wrappers import RecordVideo`` before ``patch()`` is
a reference to Gymnasium's class that no module attribute reaches, and keeps it. Patch first
(``python -m gymrec run script.py`` does), or look the class up through its module
(``gym.wrappers.RecordVideo``), as CleanRL does.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import pickle
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any, Callable

from gymnasium import logger
from gymnasium.core import ActType, ObsType

from gymrec import vector, wrappers
from gymrec.finished import FinishedVideo

__all__ = ["RecordVideo", "VectorRecordVideo", "patch", "patched", "unpatch"]

#: Each slot: (module, attribute, which class goes there): the defining module first, then the
#: modules re-exporting the class (Gymnasium 1.x and SB3 2.x lay them out alike).
_GYMNASIUM_SLOTS = (
    ("gymnasium.wrappers.rendering", "RecordVideo", "RecordVideo"),
    ("gymnasium.wrappers", "RecordVideo", "RecordVideo"),
    ("gymnasium.wrappers.vector.rendering", "RecordVideo", "VectorRecordVideo"),
    ("gymnasium.wrappers.vector", "RecordVideo", "VectorRecordVideo"),
)
_SB3_SLOTS = (
    ("stable_baselines3.common.vec_env.vec_video_recorder", "VecVideoRecorder", "VecVideoRecorder"),
    ("stable_baselines3.common.vec_env", "VecVideoRecorder", "VecVideoRecorder"),
)
_SB3 = "stable_baselines3"

_lock = threading.RLock()
#: Whether patch() is in force.
_active = False
#: The value each patched slot held before the first patch(), restored by unpatch().
_originals: dict[tuple[str, str], Any] = {}
#: patch()'s keyword defaults for gymrec's keyword-only extras.
_defaults: dict[str, Any] = {}
#: The accepted keyword names of each patched class's base ``__init__`` (defaults outside them
#: are not passed).
_accepted: dict[type, frozenset[str]] = {}


def _with_defaults(base: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` over patch()'s defaults, those ``base.__init__`` takes."""
    names = _accepted.get(base)
    if names is None:
        names = frozenset(inspect.signature(base).parameters)
        _accepted[base] = names
    return {**{k: v for k, v in _defaults.items() if k in names}, **kwargs}


class RecordVideo(wrappers.RecordVideo[ObsType, ActType]):
    """:class:`gymrec.RecordVideo` as :func:`patch` puts it at ``gymnasium.wrappers.RecordVideo``:
    the same wrapper, with patch()'s defaults for the keyword-only extras."""

    #: Read by the ``close()`` that ``wandb.init(monitor_gym=True)`` puts on the class at
    #: ``gymnasium.wrappers.RecordVideo`` (Gymnasium 0.x's recorder attribute): False makes W&B
    #: log nothing itself, as gymrec logs each video (``wandb=None``) instead of failing.
    enabled = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_with_defaults(wrappers.RecordVideo, kwargs))


class VectorRecordVideo(vector.RecordVideo):
    """:class:`gymrec.vector.RecordVideo` as :func:`patch` puts it at
    ``gymnasium.wrappers.vector.RecordVideo``, with patch()'s defaults."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_with_defaults(vector.RecordVideo, kwargs))


_sb3_class: type | None = None


def _vec_video_recorder() -> type:
    """``gymrec.sb3.VecVideoRecorder`` with patch()'s defaults, made at the first use (importing
    ``gymrec.sb3`` imports SB3)."""
    global _sb3_class
    if _sb3_class is None:
        base: type = importlib.import_module("gymrec.sb3").VecVideoRecorder

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            super(made, self).__init__(*args, **_with_defaults(base, kwargs))

        doc = "``gymrec.sb3.VecVideoRecorder`` as :func:`patch` puts it in SB3, with its defaults."
        namespace = {"__init__": __init__, "__doc__": doc, "__module__": __name__}
        made: Any = type("VecVideoRecorder", (base,), namespace)
        _sb3_class = made
    return _sb3_class


def __getattr__(name: str) -> Any:
    """``VecVideoRecorder``, made at the first use (so that pickle finds it by name)."""
    if name == "VecVideoRecorder":
        return _vec_video_recorder()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _replacement(which: str) -> Any:
    if which == "RecordVideo":
        return RecordVideo
    if which == "VectorRecordVideo":
        return VectorRecordVideo
    return _vec_video_recorder()


def _ours(value: Any) -> bool:
    return value is RecordVideo or value is VectorRecordVideo or value is _sb3_class


def _patch_slots(slots: Sequence[tuple[str, str, str]]) -> None:
    """Sets each slot whose module imports and has the attribute; keeps what it held first."""
    for module_name, attribute, which in slots:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        current = getattr(module, attribute, None)
        if current is None:
            continue
        _originals.setdefault((module_name, attribute), current)
        setattr(module, attribute, _replacement(which))


def _patch_sb3() -> None:
    """SB3's slots, once ``stable_baselines3`` is imported; a warning when ``gymrec.sb3`` fails
    to import (SB3's recorder is then left as it is)."""
    with _lock:
        if not _active:
            return
        try:
            _vec_video_recorder()
        except Exception as err:
            logger.warn(
                f"gymrec.patch(): SB3's VecVideoRecorder is left as it is: gymrec.sb3 could not "
                f"be imported ({err!r})"
            )
            return
        _patch_slots(_SB3_SLOTS)


class _PatchAfterLoad(importlib.abc.Loader):
    """``stable_baselines3``'s own loader, which patches SB3's slots once the package (whose
    ``__init__`` imports its ``vec_env``) has run; then the module gets its own loader back."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        try:
            self.loader.exec_module(module)
        finally:
            module.__loader__ = self.loader
            if module.__spec__ is not None:
                module.__spec__.loader = self.loader
        _patch_sb3()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


class _SB3Hook(importlib.abc.MetaPathFinder):
    """Finds ``stable_baselines3`` through the other finders and hands back its spec with a
    loader that patches it after it ran."""

    def __init__(self) -> None:
        self._finding = threading.local()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _SB3 or getattr(self._finding, "now", False):
            return None
        self._finding.now = True  # another finder asking the others again finds no loop here
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _PatchAfterLoad(spec.loader)
                    return spec
            return None
        finally:
            self._finding.now = False


_hook = _SB3Hook()


class _Stowaway:
    """Rides in the data ``multiprocessing`` sends a spawned (or forkserver) child before
    anything else; unpickled there, it patches the child as its parent is patched. Carries the
    defaults that pickle (an ``on_video`` callable that does not stays behind)."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults

    def __getstate__(self) -> dict[str, Any]:
        kept = {}
        for key, value in self.defaults.items():
            try:
                pickle.dumps(value)
            except Exception:
                continue
            kept[key] = value
        return {"defaults": kept}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.defaults = state["defaults"]
        patch(**self.defaults)


_original_preparation_data: Callable[[str], dict[str, Any]] | None = None


def _preparation_data_with_stowaway(name: str) -> dict[str, Any]:
    assert _original_preparation_data is not None
    data = _original_preparation_data(name)
    data["gymrec_patch"] = _Stowaway(dict(_defaults))
    return data


def _patch_multiprocessing() -> None:
    global _original_preparation_data
    # Any: typeshed does not declare multiprocessing.spawn's functions.
    spawn: Any = importlib.import_module("multiprocessing.spawn")
    if spawn.get_preparation_data is not _preparation_data_with_stowaway:
        _original_preparation_data = spawn.get_preparation_data
        spawn.get_preparation_data = _preparation_data_with_stowaway


def _unpatch_multiprocessing() -> None:
    global _original_preparation_data
    spawn: Any = sys.modules.get("multiprocessing.spawn")
    if spawn is not None and spawn.get_preparation_data is _preparation_data_with_stowaway:
        assert _original_preparation_data is not None
        spawn.get_preparation_data = _original_preparation_data
    _original_preparation_data = None


def patch(
    *,
    overwrite: bool | None = None,
    format: str | None = None,
    overlay: bool | None = None,
    gallery: bool | None = None,
    on_video: Callable[[FinishedVideo], object] | None = None,
    wandb: bool | None = None,
    wandb_key: str | None = None,
) -> None:
    """Puts gymrec's recorders where programs look up Gymnasium's and SB3's:
    ``gymnasium.wrappers.RecordVideo``, ``gymnasium.wrappers.vector.RecordVideo`` (and the
    ``rendering`` modules defining them) and, when Stable-Baselines3 is installed,
    ``stable_baselines3.common.vec_env.VecVideoRecorder`` (and ``vec_video_recorder``), patched
    when SB3 is imported. Calling it again changes only the defaults; :func:`unpatch` undoes it.

    A name bound by ``from gymnasium.wrappers import RecordVideo`` before ``patch()`` keeps
    Gymnasium's class: patch before such imports (``python -m gymrec run script.py`` patches
    before the script runs). Children of ``multiprocessing`` are patched too.

    Args:
        overwrite, format, overlay, gallery, on_video, wandb, wandb_key: Defaults for gymrec's
            keyword-only extras (see :class:`gymrec.RecordVideo`), used where the program does
            not pass them (a Gymnasium-shaped program never does); ``None`` keeps gymrec's own
            default. ``on_video`` is not passed to ``multiprocessing`` children.
    """
    global _active
    given = {k: v for k, v in locals().items() if v is not None}  # the keywords passed
    with _lock:
        _defaults.clear()
        _defaults.update(given)
        _active = True
        _patch_slots(_GYMNASIUM_SLOTS)
        if _SB3 in sys.modules:
            _patch_sb3()
        elif importlib.util.find_spec(_SB3) is not None and _hook not in sys.meta_path:
            sys.meta_path.insert(0, _hook)
        _patch_multiprocessing()


def unpatch() -> None:
    """Undoes :func:`patch`: every slot it set holds again what it held before the first
    ``patch()`` (a slot someone else set since is left to them); no import hook, no
    ``multiprocessing`` stowaway. Wrappers made while patched go on recording. Does nothing
    when not patched."""
    global _active
    with _lock:
        _active = False
        _defaults.clear()
        if _hook in sys.meta_path:
            sys.meta_path.remove(_hook)
        for (module_name, attribute), original in _originals.items():
            module = sys.modules.get(module_name)
            if module is not None and _ours(getattr(module, attribute, None)):
                setattr(module, attribute, original)
        _originals.clear()
        _unpatch_multiprocessing()


def patched() -> bool:
    """Whether :func:`patch` is in force (since the last :func:`unpatch`)."""
    return _active
