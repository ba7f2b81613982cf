"""Plays a run's video artifacts in MLflow's own UI, in headless Chromium
driven through its DevTools protocol (websocket-client), as
scripts/mlflow_check.sh runs it:

    mlflow_ui_check.py URI RUN_ID [ARTIFACT ...] [--screenshot PNG]

For each ARTIFACT of run RUN_ID (as `videos/CartPole-episode-20.mp4`;
default: every MP4 under `videos/`) it opens the run's
artifact page afresh, `URI/#/experiments/<id>/runs/<id>/artifacts/<ARTIFACT>`
(the route MLflow 3's UI links artifacts with), waits for the page (a React
app) to name the artifact and show a <video>, checks that the video's
source holds the artifact's bytes (its size, as MlflowClient lists it),
plays it muted and checks that its `currentTime` advances, with no media
error and a picture. Fails, saying what the page shows, when there is no
<video> or it does not play.
--screenshot saves the last page as a PNG.

Prints one line per check and closes with "mlflow-ui: N passed, M failed".
The server listens on 127.0.0.1; Chromium makes no other requests
(background networking, updates, sync and QUIC off).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from mlflow.tracking import MlflowClient

import devtools
import mlflow_check as checks
from mlflow_check import check


class Page(devtools.Page):
    """A page, with polling."""

    def wait_for(self, expression, seconds):
        """Polls `expression` until it is truthy; its value, or None."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        return None


def start_chromium(profile):
    """Headless Chromium on a DevTools port of its choosing; (process, page)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: scripts/deps.sh --test installs it")
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1280,900",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"chromium exited with {proc.returncode} before its DevTools answered")
        try:
            with open(port_file) as f:
                port = int(f.readline())
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                targets = json.loads(r.read())
            page = next(t for t in targets if t["type"] == "page")
            return proc, Page(page["webSocketDebuggerUrl"])
        except (OSError, ValueError, StopIteration):
            time.sleep(0.25)
    proc.kill()
    sys.exit("chromium's DevTools did not answer in 60 s")


# The first <video> with a source, and what it is doing.
VIDEO_STATE = """
(() => {
  const v = document.querySelector('video');
  if (!v || !(v.currentSrc || v.src)) return null;
  return {src: v.currentSrc || v.src, readyState: v.readyState, time: v.currentTime,
          duration: v.duration,
          paused: v.paused, width: v.videoWidth, height: v.videoHeight,
          error: v.error ? v.error.code + ' ' + (v.error.message || '') : null};
})()
"""

PLAY = """
(() => {
  const v = document.querySelector('video');
  v.muted = true;
  return v.play().then(() => 'playing', e => 'play() failed: ' + e);
})()
"""


# The size of the video's source, fetched as the page has it.
SOURCE_BYTES = """
(() => fetch(document.querySelector('video').currentSrc)
  .then(r => r.blob()).then(b => b.size, e => 'fetch failed: ' + e))()
"""


def play(page, uri, experiment_id, run_id, artifact, size):
    """Opens the artifact's page afresh and checks that its video plays."""
    page.call("Page.navigate", url="about:blank")
    page.wait_for("location.href === 'about:blank' && document.readyState === 'complete'", 10)
    url = f"{uri}/#/experiments/{experiment_id}/runs/{run_id}/artifacts/{artifact}"
    page.call("Page.navigate", url=url)
    named = page.wait_for(f"document.body && document.body.innerText.includes({artifact!r})", 60)
    state = page.wait_for(VIDEO_STATE, 60)
    if state is None or not named:
        text = page.evaluate("document.body ? document.body.innerText.slice(0, 400) : ''")
        check(False, f"{artifact}: the page names it and shows a <video> within 60 s ({url}); "
                     f"it shows: {text!r}")
        return
    loaded = page.wait_for(VIDEO_STATE.replace("return {", "if (v.readyState < 2 && !v.error) "
                                               "return null; return {"), 30) or state
    got = page.evaluate(SOURCE_BYTES, await_promise=True)
    check(got == size, f"{artifact}: the <video>'s source is the artifact: {got} bytes, "
                       f"listed {size}")
    started = page.evaluate(PLAY, await_promise=True)
    first = page.evaluate(VIDEO_STATE)
    time.sleep(1.5)
    last = page.evaluate(VIDEO_STATE)
    advanced = last["time"] - first["time"]
    # A clip shorter than the wait ends: half of what was left counts.
    needed = min(0.3, 0.5 * (loaded["duration"] - first["time"]))
    ok = (started == "playing" and last["error"] is None and advanced > 0 and advanced >= needed
          and loaded["width"] > 0 and loaded["height"] > 0)
    check(ok, f"{artifact}: MLflow's UI plays it: {started}, currentTime {first['time']:.2f} -> "
              f"{last['time']:.2f} s in 1.5 s (duration {loaded['duration']:.2f} s), "
              f"{loaded['width']}x{loaded['height']}, error {last['error']}")


def main():
    args = sys.argv[1:]
    screenshot = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        screenshot = args[i + 1]
        del args[i:i + 2]
    uri, run_id, *artifacts = args
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.get_run(run_id).info.experiment_id
    if not artifacts:
        artifacts = sorted(a.path for a in client.list_artifacts(run_id, "videos")
                           if a.path.endswith(".mp4"))
        check(len(artifacts) > 0, f"the run has MP4 artifacts under videos/: {len(artifacts)}")
    profile = tempfile.mkdtemp(prefix="gymrec-mlflow-ui-")
    proc, page = None, None
    try:
        proc, page = start_chromium(profile)
        page.call("Page.enable")
        for artifact in artifacts:
            folder = os.path.dirname(artifact)
            sizes = {a.path: a.file_size for a in client.list_artifacts(run_id, folder)}
            if artifact not in sizes:
                check(False, f"{artifact}: listed among the run's artifacts {sorted(sizes)}")
                continue
            play(page, uri.rstrip("/"), experiment_id, run_id, artifact, sizes[artifact])
        if screenshot:
            time.sleep(0.5)
            data = page.call("Page.captureScreenshot", format="png")["data"]
            with open(screenshot, "wb") as f:
                f.write(base64.b64decode(data))
            print(f"screenshot: {screenshot}")
    finally:
        if page is not None:
            page.ws.close()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        print(f"mlflow-ui: {checks.passed} passed, {checks.failed} failed")
    sys.exit(1 if checks.failed else 0)
