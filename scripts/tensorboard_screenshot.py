"""Takes docs/tensorboard.png: TensorBoard's Scalars and Images dashboards
of a logdir, in headless Chromium driven through its DevTools protocol
(TensorBoard's pages draw with script, which `chromium --dump-dom` or a
plain `--screenshot` do not wait for).

    .venv-tensorboard/bin/pip install websocket-client==1.9.2
    .venv-tensorboard/bin/python scripts/tensorboard_screenshot.py runs docs/tensorboard.png

TensorBoard listens on 127.0.0.1 only and makes requests to its own host.
"""

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from PIL import Image

import devtools

TB_PORT, DEVTOOLS_PORT = 6123, 9333
WIDTH, HEIGHT = 1280, 860


def wait_for(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer in {seconds} s")


class Page(devtools.Page):
    """A page, with screenshots."""

    def shot(self, url, ready, settle=4.0):
        """Navigates to `url`, waits until the JS expression `ready` is
        true (searching TensorBoard's shadow roots), and returns a PNG."""
        self.call("Page.navigate", url=url)
        deadline = time.time() + 60
        while time.time() < deadline and not self.evaluate(ready):
            time.sleep(0.5)
        time.sleep(settle)  # charts animate in
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")


# Whether any element, shadow roots included, matches a CSS selector.
DEEP_QUERY = """
(function deep(sel) {
  const walk = (root) => {
    if (root.querySelector && root.querySelector(sel)) return true;
    for (const el of root.querySelectorAll ? root.querySelectorAll('*') : []) {
      if (el.shadowRoot && walk(el.shadowRoot)) return true;
    }
    return false;
  };
  return walk(document);
})(%r)
"""


def main():
    logdir, out = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    tb = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "tensorboard"), "--logdir", logdir,
         "--host", "127.0.0.1", "--port", str(TB_PORT), "--samples_per_plugin", "images=100"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    chromium = subprocess.Popen(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--remote-debugging-port={DEVTOOLS_PORT}", f"--user-data-dir={work}",
         f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{TB_PORT}/data/runs")
        targets = json.loads(wait_for(f"http://127.0.0.1:{DEVTOOLS_PORT}/json/list"))
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)
        base = f"http://127.0.0.1:{TB_PORT}/?darkMode=false"
        scalars = page.shot(f"{base}#scalars&_smoothingWeight=0.6&tagFilter=episode",
                            DEEP_QUERY % "svg path.line, canvas")
        images = page.shot(f"{base}#images&tagFilter=videos", DEEP_QUERY % "img[src*=individualImage]")
        # Side by side, halved: small enough to check in.
        half = (WIDTH // 2, HEIGHT // 2)
        sheet = Image.new("RGB", (WIDTH, HEIGHT // 2), "white")
        sheet.paste(scalars.resize(half, Image.LANCZOS), (0, 0))
        sheet.paste(images.resize(half, Image.LANCZOS), (WIDTH // 2, 0))
        sheet.quantize(colors=128).save(out, optimize=True)
        print(out, os.path.getsize(out), "bytes")
    finally:
        chromium.terminate()
        tb.terminate()
        chromium.wait()
        tb.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
