"""A full disk mid-recording: every video is either whole or named as cut short, in a warning
when it happens and in the error ``close()`` raises; nothing is reported whole that is not."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import Painted, probe, run, tmpfs

import gymrec

#: Frames a 40-step episode records: the reset and every step.
FRAMES = 41


class Noise(Painted):
    """Frames of seeded random noise, which x264 cannot compress much: about 1.4 MB for an
    episode at 320x240, so a 2 MiB disk fills during the second episode (or the first, when it
    still encodes as the second records)."""

    def render(self) -> np.ndarray:
        return self.np_random.integers(0, 256, (self.height, self.width, 3), dtype=np.uint8)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs, unmounted afterwards."""
    with tmpfs(tmp_path / "disk", "size=2m") as folder:
        yield folder


def decoded_frames(path: Path) -> int:
    """The frames a file decodes to; 0 when nothing in it decodes."""
    if not path.exists():
        return 0
    try:
        return probe(path).frames
    except (subprocess.CalledProcessError, KeyError, IndexError):  # no stream, or none read
        return 0


def test_a_full_disk_names_every_video_it_cut_short(small_disk):
    env = gymrec.RecordVideo(
        Noise(320, 240, episode_length=FRAMES - 1), str(small_disk), episode_trigger=lambda e: True
    )
    raised: list[OSError] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run(env, 3)
        except OSError as err:  # an error may surface at a later event, or at close()
            raised.append(err)
        try:
            env.close()
        except OSError as err:
            raised.append(err)
    said = [str(w.message) for w in caught] + [str(err) for err in raised]
    assert raised, "the full disk was not reported at all"
    assert all("No space left on device" in str(err) for err in raised)

    names = [f"rl-video-episode-{e}.mp4" for e in range(3)]
    frames = {name: decoded_frames(small_disk / name) for name in names}
    # Three episodes of about 1.4 MB cannot all fit in 2 MiB. Which one the disk cuts depends
    # on timing (a stopped video may still be encoding while the next one records), so the
    # checks hold for whichever it is.
    cut = [name for name in names if frames[name] != FRAMES]
    assert cut, frames
    for name in cut:
        # Cut short (or never written): named in a warning when it happened.
        assert any(name in text for text in said), (name, frames, said)
    # A video that still plays says how much of it there is: its decoded count, exactly.
    for name, count in frames.items():
        if 0 < count < FRAMES:
            assert any(
                re.search(rf"{re.escape(name)}.* holds {count} of the {FRAMES}", text)
                for text in said
            ), (name, count, said)
    # The first error close() raises names a video the disk cut short.
    assert any(name in str(raised[0]) for name in cut), (raised[0], cut)
