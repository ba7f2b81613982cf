"""``python -m gymrec run [OPTIONS] script.py ARGS...`` (or ``-m module ARGS...``): runs a
program nobody edited with gymrec's recorders patched in (:func:`gymrec.patch`), as ``python
script.py ARGS...`` would run it: as ``__main__``, with ``sys.argv`` = ``[script.py, ARGS...]``,
the script's folder first on ``sys.path``, and its exit code, exit by ``sys.exit``,
``KeyboardInterrupt`` and uncaught exceptions (their traceback starting in the script) as Python
gives them, the way ``coverage run`` runs a program."""

from __future__ import annotations

import argparse
import builtins
import importlib.machinery
import io
import os
import runpy
import sys
import types
import zipfile
from collections.abc import Sequence
from typing import Any

from gymrec.patching import patch

#: ``run``'s options that take a value (the first other argument is the program).
_VALUED = ("--format",)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gymrec",
        description="Run a Python program with gymrec's recorders in place of Gymnasium's "
        "RecordVideo wrappers and SB3's VecVideoRecorder (gymrec.patch()).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a script (or -m module) patched",
        usage="python -m gymrec run [OPTIONS] (script.py | -m module) [ARGS ...]",
        description="Patch (gymrec.patch()), then run the program as `python script.py ARGS` "
        "(or `python -m module ARGS`) would. The options set defaults for gymrec's extras, "
        "which a Gymnasium-shaped program never passes.",
    )
    run.add_argument(
        "--gallery", action="store_true", help="a JSON sidecar and poster per video, index.jsonl"
    )
    run.add_argument("--overlay", action="store_true", help="episode, step and return burnt in")
    run.add_argument("--format", choices=["mp4", "webm", "gif", "png"], help="the video format")
    run.add_argument(
        "--no-overwrite", action="store_true", help="refuse existing videos (FileExistsError)"
    )
    run.add_argument("-m", dest="module", metavar="module", help="run a module as `python -m`")
    run.add_argument("script", nargs="?", help="the script to run (its ARGS follow it)")
    return parser


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """gymrec's arguments (up to ``run``'s options and ``-m module`` or the script) and the
    program's."""
    for i, arg in enumerate(argv):
        if i == 0:
            continue  # the command
        if arg == "-m":
            return list(argv[: i + 2]), list(argv[i + 2 :])
        if not arg.startswith("-") and argv[i - 1] not in _VALUED:
            return list(argv[: i + 1]), list(argv[i + 1 :])
    return list(argv), []


def _trimmed(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback from the program's first frame on: without this module's and runpy's."""
    ours = {_run.__code__.co_filename, runpy.run_path.__code__.co_filename}
    while tb is not None and tb.tb_frame.f_code.co_filename in ours:
        tb = tb.tb_next
    return tb


def _report_trimmed(exc: BaseException) -> None:
    """Has the interpreter print ``exc`` with the program's traceback, as it would have, through
    whatever ``sys.excepthook`` is in force then (the program may have set its own)."""
    tb = _trimmed(exc.__traceback__)
    hook = sys.excepthook

    def excepthook(kind: type[BaseException], value: BaseException, given: Any) -> None:
        sys.excepthook = hook
        if value is exc:
            # Python's hook prints the exception's own __traceback__, not the one passed.
            given = tb
            value.__traceback__ = tb
        hook(kind, value, given)

    sys.excepthook = excepthook


def _run(program: str, module: bool, args: list[str]) -> None:
    if module:
        sys.argv = [program, *args]  # runpy sets argv[0] to the module's file
        runpy.run_module(program, run_name="__main__", alter_sys=True)
        return
    path = os.path.abspath(program)
    if not os.path.exists(path):
        print(
            f"{sys.executable}: can't open file {path!r}: [Errno 2] No such file or directory",
            file=sys.stderr,
        )
        raise SystemExit(2)
    sys.argv = [program, *args]
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    if os.path.isdir(path) or zipfile.is_zipfile(path):
        runpy.run_path(path, run_name="__main__")  # its __main__.py; argv[0] becomes the path
        return
    _exec_as_main(path)


def _exec_as_main(path: str) -> None:
    """Runs the file at ``path`` as Python runs a script: compiled under its absolute path, in
    a new ``__main__`` module left in ``sys.modules`` (as ``coverage run`` does; runpy would
    also set ``sys.argv[0]`` to the absolute path and put the old ``__main__`` back)."""
    with io.open_code(path) as file:
        source = file.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    main.__dict__.update(__builtins__=builtins, __cached__=None)
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m gymrec``'s entry: parses gymrec's arguments, patches, runs the program.
    The program's exceptions (``SystemExit`` too) propagate, so that Python ends the process
    as it would have ended the program."""
    ours, theirs = _split(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    options = parser.parse_args(ours)
    program = options.module if options.module is not None else options.script
    if program is None:
        parser.error("run: the script (or -m module) to run is missing")
    patch(
        gallery=options.gallery or None,
        overlay=options.overlay or None,
        format=options.format,
        overwrite=False if options.no_overwrite else None,
    )
    try:
        _run(program, options.module is not None, theirs)
    except SystemExit:
        raise
    except BaseException as exc:
        _report_trimmed(exc)
        raise


if __name__ == "__main__":
    main()
