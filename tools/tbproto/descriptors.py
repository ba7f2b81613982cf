"""Writes tensorboard.fds: the protobuf descriptors of the TensorBoard
messages gymrec writes, taken from the pinned tensorboard wheel (whose
*_pb2.py modules embed them; the wheel ships no .proto files).

Run in a venv with tensorboard==2.21.0 (see README.md beside this file).
"""

import sys

from google.protobuf import descriptor_pb2

import tensorboard
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import plugin_data_pb2 as hparams_pb2
from tensorboard.plugins.text import plugin_data_pb2 as text_pb2

PINNED = "2.21.0"
if tensorboard.__version__ != PINNED:
    sys.exit(f"tensorboard {tensorboard.__version__} found, {PINNED} wanted")

out = descriptor_pb2.FileDescriptorSet()
seen = set()


def add(file):
    """Adds a file after its dependencies (protoc's order)."""
    if file.name in seen:
        return
    seen.add(file.name)
    for dep in file.dependencies:
        add(dep)
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    out.file.append(proto)


for module in (event_pb2, summary_pb2, hparams_pb2, text_pb2):
    add(module.DESCRIPTOR)

path = sys.argv[1] if len(sys.argv) > 1 else "tensorboard.fds"
with open(path, "wb") as f:
    f.write(out.SerializeToString())
print(path, ":", ", ".join(p.name for p in out.file))
