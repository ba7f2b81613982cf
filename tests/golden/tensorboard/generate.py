"""Writes scalar.tfevents with TensorBoard's own event writer (pinned
tensorboard==2.21.0, no TensorFlow): the file_version event, then one
scalar event (tag "episode/return", step 7, value 21.5), both at a fixed
wall time. tests/it/tensorboard.rs compares gymrec's bytes with these.

Run: scripts/tensorboard_check.sh --venv-only, then
     .venv-tensorboard/bin/python tests/golden/tensorboard/generate.py
"""

import glob
import os
import shutil
import tempfile
import time

import tensorboard
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

assert tensorboard.__version__ == "2.21.0", tensorboard.__version__
WALL_TIME = 1700000000.25
time.time = lambda: WALL_TIME  # the writer stamps its first event with time.time()

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scalar.tfevents")
tmp = tempfile.mkdtemp()
try:
    writer = EventFileWriter(tmp)
    value = summary_pb2.Summary.Value(tag="episode/return", simple_value=21.5)
    writer.add_event(
        event_pb2.Event(wall_time=WALL_TIME, step=7, summary=summary_pb2.Summary(value=[value]))
    )
    writer.close()
    (path,) = glob.glob(os.path.join(tmp, "events.out.tfevents.*"))
    shutil.copyfile(path, out)
finally:
    shutil.rmtree(tmp)
print(out, os.path.getsize(out), "bytes")
