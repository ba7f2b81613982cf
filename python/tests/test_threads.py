"""The GIL and the recorder's lock: Rust waits with the GIL released, and the wrappers'
attributes never wait for a call running in another thread."""

from __future__ import annotations

import sys
import threading
import time

import gymrec


def test_finishing_a_video_releases_the_gil(tmp_path, cartpole):
    env = gymrec.RecordVideo(cartpole(), str(tmp_path), episode_trigger=lambda e: True)
    env.reset(seed=0)
    for i in range(60):
        _, _, terminated, truncated, _ = env.step(i % 2)
        if terminated or truncated:
            env.reset()
    assert env.recording
    ticks = [0]
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.0001)  # sleeps without the GIL, needs it back to count

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)  # no forced switches: the ticker runs only when the GIL is free
    try:
        ticker = threading.Thread(target=tick)
        ticker.start()
        before = ticks[0]
        env.close()  # waits for the encoder thread to drain the queue and x264's lookahead
        during = ticks[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        ticker.join()
    assert during > 0


def test_attributes_can_be_read_from_another_thread_during_a_trigger(tmp_path, cartpole):
    seen = []

    def trigger(episode):
        reader = threading.Thread(target=lambda: seen.append((env.recording, env.episode_id)))
        reader.start()
        reader.join(timeout=30)
        assert not reader.is_alive(), "reading the wrapper's attributes waited for the trigger"
        return True

    env = gymrec.RecordVideo(cartpole(), str(tmp_path), episode_trigger=trigger)
    env.reset(seed=0)
    env.step(0)
    env.reset()
    env.close()
    # Read while each trigger ran: the state after the previous call.
    assert seen == [(False, -1), (True, 0)]
