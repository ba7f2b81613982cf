"""Every frame Gymnasium records, recorded by gymrec as Gymnasium's writer converts it: RGBA
(alpha dropped), float and integer dtypes (numpy's ``astype("uint8")``, which moviepy applies),
with one warning per video; grayscale refused with a clear error, where Gymnasium fails or
writes a scrambled video."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from conftest import Painted, decode, probe, run, videos
from gymnasium.wrappers import RecordVideo as GymRecordVideo

import gymrec

WIDTH, HEIGHT, BLOCK = 64, 48, 16


class Still(Painted):
    """An env whose every frame is ``picture``, whatever its shape and dtype."""

    def __init__(self, picture: np.ndarray, episode_length: int = 4):
        super().__init__(episode_length=episode_length)
        self.still = picture

    def render(self):
        return self.still


def blocks(values: list, channels: int, dtype) -> np.ndarray:
    """A HEIGHT x WIDTH picture of flat 16 x 16 blocks, block i's channel c being
    ``values[(3 * i + c) % len(values)]`` (the alpha channel, if any, varies on its own)."""
    picture = np.zeros((HEIGHT, WIDTH, channels), dtype=dtype)
    for i in range((HEIGHT // BLOCK) * (WIDTH // BLOCK)):
        y, x = divmod(i, WIDTH // BLOCK)
        for c in range(channels):
            value = values[(3 * i + c) % len(values)] if c < 3 else (i * 37) % 256
            picture[y * BLOCK : (y + 1) * BLOCK, x * BLOCK : (x + 1) * BLOCK, c] = value
    return picture


def gymnasiums_rule(picture: np.ndarray) -> np.ndarray:
    """What moviepy, Gymnasium's writer, makes of a frame: channels [:3], ``astype("uint8")``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN and overflow in the cast
        return picture[..., :3].astype(np.uint8)


FLOATS = [0.0, 0.99, 1.0, 37.5, 127.9, 254.99, 255.0, 255.9, 256.0, 300.7, 511.9, -0.5, -1.2]
FLOATS += [-255.5, 1e10, -3e9, float("nan"), float("inf"), -float("inf"), 2147483647.0, 99.0]
INTEGERS = [-1, -50, 0, 1, 128, 255, 256, 300, 511, 1000, 2**40 + 7, -(2**40) - 3, 200, 64]

PICTURES = {
    "rgba uint8": blocks([10, 200, 90, 255, 0, 140, 60], 4, np.uint8),
    "float32": blocks(FLOATS, 3, np.float32),
    "float64 rgba": blocks(FLOATS, 4, np.float64),
    "int64": blocks(INTEGERS, 3, np.int64),
    "int16": blocks([-300, -1, 0, 255, 256, 1000, 77], 3, np.int16),
    "uint16": blocks([0, 255, 256, 65535, 300, 1000, 77], 3, np.uint16),
    "bool": blocks([True, False, True, True], 3, np.bool_),
    "float16": blocks([0.0, 12.5, 255.0, 300.0, -2.0, 99.9], 3, np.float16),
    "big-endian int32": blocks(INTEGERS[:10], 3, np.dtype(">i4")),
}


@pytest.mark.parametrize("picture", PICTURES.values(), ids=PICTURES.keys())
def test_frames_are_cast_exactly_as_gymnasiums_writer_casts_them(tmp_path, picture):
    # PNG is lossless: the pixels gymrec wrote are exactly numpy's astype("uint8") of the RGB.
    env = gymrec.RecordVideo(
        Still(picture), str(tmp_path), episode_trigger=lambda e: True, format="png"
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        run(env, 1)
        env.close()
    pngs = sorted((tmp_path / "rl-video-episode-0").glob("*.png"))
    assert len(pngs) == 5
    want = gymnasiums_rule(picture)
    for png in pngs:
        np.testing.assert_array_equal(decode(png, WIDTH, HEIGHT)[0], want)


def block_means(frame: np.ndarray) -> np.ndarray:
    """Each block's mean colour away from its edges (chroma is shared by 2 x 2 pixels)."""
    inner = frame.reshape(HEIGHT // BLOCK, BLOCK, WIDTH // BLOCK, BLOCK, 3)[:, 4:12, :, 4:12]
    return inner.astype(float).mean(axis=(1, 3))


@pytest.mark.parametrize(
    "name", ["rgba uint8", "float32", "float64 rgba", "int64"], ids=lambda n: n.replace(" ", "-")
)
def test_mp4_pixels_match_gymnasiums_own_video(tmp_path, name):
    picture = PICTURES[name]
    for cls, folder in ((GymRecordVideo, "gym"), (gymrec.RecordVideo, "ours")):
        env = cls(Still(picture), str(tmp_path / folder), episode_trigger=lambda e: True)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            run(env, 1)
            env.close()
    ours = decode(tmp_path / "ours" / "rl-video-episode-0.mp4", WIDTH, HEIGHT)
    theirs = decode(tmp_path / "gym" / "rl-video-episode-0.mp4", WIDTH, HEIGHT)
    assert len(ours) == 5
    want = block_means(gymnasiums_rule(picture))
    # Both encoders are lossy: each block's colour comes back within their error.
    assert np.abs(block_means(theirs[0]) - want).max() <= 8
    for frame in ours:
        assert np.abs(block_means(frame) - want).max() <= 8
        assert np.abs(block_means(frame) - block_means(theirs[0])).max() <= 10


def test_one_warning_per_video_names_the_video_and_the_rule(tmp_path):
    env = gymrec.RecordVideo(
        Still(PICTURES["float32"]), str(tmp_path), episode_trigger=lambda e: True
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(env, 3)
        env.close()
    said = [str(w.message) for w in caught if "Gymnasium's writer" in str(w.message)]
    assert len(said) == 3, said
    for episode, message in enumerate(said):
        assert f"rl-video-episode-{episode}.mp4" in message
        assert "float32 frames are cast to uint8" in message
        assert "multiply it by 255" in message
    assert all(probe(tmp_path / v).frames == 5 for v in videos(tmp_path))

    env = gymrec.RecordVideo(
        Still(PICTURES["rgba uint8"]), str(tmp_path / "rgba"), episode_trigger=lambda e: True
    )
    with pytest.warns(UserWarning, match="RGBA frames lose their alpha channel") as caught:
        run(env, 1)
        env.close()
    assert not any("cast to uint8" in str(w.message) for w in caught)

    # uint8 RGB is recorded as it is, without a word.
    env = gymrec.RecordVideo(
        Still(PICTURES["rgba uint8"][..., :3]),
        str(tmp_path / "rgb"),
        episode_trigger=lambda e: True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(env, 1)
        env.close()


def test_a_vector_envs_tiles_are_cast_too(tmp_path):
    picture = PICTURES["float64 rgba"]
    envs = gym.vector.SyncVectorEnv([lambda: Still(picture)] * 2)
    env = gymrec.vector.RecordVideo(
        envs, str(tmp_path), episode_trigger=lambda e: True, format="png"
    )
    with pytest.warns(UserWarning, match="float64 frames are cast to uint8"):
        env.reset(seed=0)
        env.step(np.zeros(2, dtype=int))
        env.close()
    pngs = sorted((tmp_path / "rl-video-episode-0").glob("*.png"))
    assert len(pngs) == 2
    grid = decode(pngs[0], 2 * WIDTH, HEIGHT)[0]
    want = gymnasiums_rule(picture)
    np.testing.assert_array_equal(grid[:, :WIDTH], want)
    np.testing.assert_array_equal(grid[:, WIDTH:], want)


@pytest.mark.parametrize("shape", [(HEIGHT, WIDTH), (HEIGHT, WIDTH, 1)], ids=["HxW", "HxWx1"])
def test_grayscale_is_refused_clearly_where_gymnasium_fails_or_scrambles(tmp_path, shape):
    picture = np.full(shape, 100, dtype=np.uint8)
    theirs = GymRecordVideo(Still(picture), str(tmp_path / "gym"), episode_trigger=lambda e: True)
    if len(shape) == 2:
        # Gymnasium takes the frames and fails when it writes the video: it is lost.
        with pytest.raises(IndexError):
            run(theirs, 1)
            theirs.close()
    else:
        # moviepy sends a third of the bytes an RGB frame has: a third of the frames, scrambled.
        run(theirs, 1)
        theirs.close()
        assert probe(tmp_path / "gym" / "rl-video-episode-0.mp4").frames < 5

    ours = gymrec.RecordVideo(
        Still(picture), str(tmp_path / "ours"), episode_trigger=lambda e: True
    )
    with pytest.raises(ValueError, match=r"got uint8 of shape .*grayscale.*np\.dstack"):
        ours.reset()
    ours.close()


@pytest.mark.parametrize(
    "frame,what",
    [
        (np.zeros((HEIGHT, WIDTH, 2), dtype=np.uint8), r"uint8 of shape \(48, 64, 2\)$"),
        (np.zeros((0, WIDTH, 3), dtype=np.uint8), "an empty picture"),
        (np.zeros((HEIGHT, WIDTH, 3), dtype=np.complex64), "complex64 of shape"),
        (np.zeros((HEIGHT, WIDTH, 3), dtype=object), "object of shape"),
        ([[0, 0, 0]], "list of shape no shape"),
    ],
    ids=["two channels", "empty", "complex", "object", "list"],
)
def test_other_frames_are_value_errors_saying_what_they_are(tmp_path, frame, what):
    class Odd(Still):
        def render(self):
            return frame

    env = gymrec.RecordVideo(Odd(frame), str(tmp_path), episode_trigger=lambda e: True)
    if isinstance(frame, list):
        # Not an array: Gymnasium's rule, the recording stops with a logged warning.
        with pytest.warns(UserWarning, match="Recording stopped"):
            env.reset()
    else:
        with pytest.raises(ValueError, match=r"\(height, width, 3\).*" + what):
            env.reset()
    env.close()
