"""MLflow: each finished video logged to the ``mlflow`` package's active run, on a thread of its
own; or, with no run in use, gymrec's own client (Rust) given the tracking URI.

Never imports ``mlflow``: it is looked up in ``sys.modules`` at each video, so that a script
without MLflow pays nothing and ``mlflow.start_run()`` may come before or after the wrapper is
made.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gymnasium import logger

from gymrec.finished import FinishedVideo

#: How long a wrapper's ``close()`` waits for the uploads still queued.
FLUSH_TIMEOUT = 300.0
#: While the server is down (the last upload failed), a queued file is tried only when this
#: long has passed since the last try; the others are kept for later. Each try is MLflow's own
#: client, which retries with backoff itself (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``).
PROBE_INTERVAL = 10.0


def active_run() -> Any | None:
    """The ``mlflow`` package's active run, when the package is imported and has one."""
    mlflow: Any = sys.modules.get("mlflow")
    active = getattr(mlflow, "active_run", None)
    return active() if active is not None else None


def choose(mlflow: bool | str | None) -> tuple[MlflowVideos | None, str | None]:
    """What ``mlflow=`` asks for: the logger of the active run (``None``: when a run is active
    as a video finishes; ``True``: a run active now), or a tracking URI for gymrec's client
    (a string, or ``True`` without an active run: ``MLFLOW_TRACKING_URI``), or neither."""
    if mlflow is False:
        return None, None
    if mlflow is None:
        return MlflowVideos(forced=False), None
    if mlflow is True:
        if active_run() is not None:
            return MlflowVideos(forced=True), None
        uri = os.environ.get("MLFLOW_TRACKING_URI")
        if not uri:
            raise ValueError(
                "gymrec: mlflow=True, but the mlflow package has no active run and "
                "MLFLOW_TRACKING_URI is not set; start a run first (mlflow.start_run()), set "
                'MLFLOW_TRACKING_URI=http://HOST:PORT or pass mlflow="http://HOST:PORT"'
            )
        return None, uri
    if isinstance(mlflow, str):
        return None, mlflow
    raise TypeError(
        f'gymrec: mlflow={mlflow!r}; give True, False, None or a tracking URI ("http://HOST:PORT")'
    )


@dataclass(frozen=True)
class _Upload:
    """One file (or a PNG sequence's folder) for one run."""

    tracking_uri: str
    run_id: str
    local: Path
    #: The artifact folder it goes into: ``videos`` (``videos/<folder>`` for a PNG sequence).
    artifact_path: str

    def send(self, clients: dict[str, Any]) -> None:
        """Uploads it with MLflow's own client (made once per tracking URI)."""
        mlflow: Any = sys.modules["mlflow"]
        client = clients.get(self.tracking_uri)
        if client is None:
            client = clients[self.tracking_uri] = mlflow.MlflowClient(self.tracking_uri)
        if self.local.is_dir():
            client.log_artifacts(self.run_id, str(self.local), self.artifact_path)
        else:
            client.log_artifact(self.run_id, str(self.local), self.artifact_path)

    def describe(self) -> str:
        return f"{self.local} (run {self.run_id} at {self.tracking_uri})"


class MlflowVideos:
    """Logs each finished video, its poster and its sidecar (when the gallery wrote them) to
    the ``mlflow`` package's active run, as artifacts under ``videos/``: always when ``forced``
    (``mlflow=True``; a video finished with no run active is warned about, once), else when a
    run is active as the video finishes (``mlflow=None``).

    The run and its tracking URI are read on the env's thread (MLflow keeps the active run per
    thread); the files are sent by a thread of its own, started when there is something to send
    and ended when there is nothing left, so the env loop never waits and a script that ends
    without ``close()`` still sends what was queued before it exits. A file that fails is
    warned about (the server and the file named; the local file is never touched) and kept: it
    is tried again after the next upload that succeeds and at ``flush``, which warns about what
    was still not sent.
    """

    __slots__ = ("forced", "_lock", "_queue", "_failed", "_thread", "_down_since", "_warned")

    def __init__(self, forced: bool) -> None:
        self.forced = forced
        self._lock = threading.Lock()
        self._queue: deque[_Upload] = deque()
        self._failed: list[_Upload] = []
        self._thread: threading.Thread | None = None
        #: When the last try failed (``None`` while the server answers).
        self._down_since: float | None = None
        self._warned = False

    def __reduce__(self) -> tuple[type[MlflowVideos], tuple[bool]]:
        """A copy (deepcopy, pickle, a forked child's fresh start) sends only its own videos."""
        return MlflowVideos, (self.forced,)

    def __call__(self, video: FinishedVideo) -> None:
        try:
            self._queue_video(video)
        except Exception as err:  # MLflow's failure never stops the loop; the file stays
            logger.warn(
                f"gymrec: {video.path} was not logged to MLflow ({err!r}); the file is kept"
            )

    def _queue_video(self, video: FinishedVideo) -> None:
        run = active_run()
        if run is None:
            if self.forced and not self._warned:
                self._warned = True
                logger.warn(
                    f"gymrec: {video.path} is not logged to MLflow: mlflow=True and the mlflow "
                    "package has no active run now (said once)"
                )
            return
        mlflow: Any = sys.modules["mlflow"]
        uri = str(mlflow.get_tracking_uri())
        run_id = str(run.info.run_id)
        # A PNG sequence's frames go under videos/<its folder>/.
        into = "videos" if video.path.is_file() else f"videos/{video.path.name}"
        uploads = [_Upload(uri, run_id, video.path, into)]
        for extra in (video.poster, video.sidecar):
            if extra is not None:
                uploads.append(_Upload(uri, run_id, extra, "videos"))
        with self._lock:
            self._queue.extend(uploads)
            if self._thread is None or not self._thread.is_alive():
                # Not a daemon: the interpreter waits for what was queued before it exits.
                self._thread = threading.Thread(target=self._work, name="gymrec-mlflow")
                self._thread.start()

    def _work(self) -> None:
        clients: dict[str, Any] = {}
        while True:
            with self._lock:
                if not self._queue:
                    return
                upload = self._queue.popleft()
            down = self._down_since
            if down is not None and time.monotonic() - down < PROBE_INTERVAL:
                logger.warn(
                    f"gymrec: {upload.describe()} was not logged to MLflow yet: the server "
                    f"failed {time.monotonic() - down:.0f} s ago; the file is kept, to be tried "
                    "again"
                )
                self._failed.append(upload)
                continue
            if not self._try(upload, clients):
                self._failed.append(upload)
                continue
            # The server answers: what failed goes again.
            failed, self._failed = self._failed, []
            for earlier in failed:
                if self._down_since is not None or not self._try(earlier, clients):
                    self._failed.append(earlier)

    def _try(self, upload: _Upload, clients: dict[str, Any], last: bool = False) -> bool:
        """Sends ``upload``; on failure warns (unless ``last``: ``flush`` sums them up) and
        marks the server down."""
        try:
            upload.send(clients)
        except Exception as err:  # the server's failure never stops anything; the file stays
            self._down_since = time.monotonic()
            if not last:
                logger.warn(
                    f"gymrec: {upload.describe()} was not logged to MLflow ({err!r}); the file "
                    "is kept, to be tried again"
                )
            return False
        self._down_since = None
        return True

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> None:
        """Waits (at most ``timeout`` seconds) for the queued files, tries once more those that
        failed, and warns about what was still not sent (the local files are kept)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                logger.warn(
                    f"gymrec: MLflow uploads still under way after {timeout:.0f} s; they go on "
                    "in the background until the process exits"
                )
                return
        failed, self._failed = self._failed, []
        if not failed:
            return
        self._down_since = None
        clients: dict[str, Any] = {}
        not_sent = []
        for upload in failed:
            # Once the server fails again, the rest are not tried: a down server costs one try.
            if self._down_since is not None or not self._try(upload, clients, last=True):
                not_sent.append(upload)
        if not_sent:
            listed = ", ".join(upload.describe() for upload in not_sent)
            logger.warn(
                f"gymrec: {len(not_sent)} file(s) were not logged to MLflow: {listed}; the "
                "local files are kept"
            )
