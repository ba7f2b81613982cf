"""Checks gymrec's TensorBoard runs with TensorBoard itself (tensorboard
2.21.0, no TensorFlow), as scripts/tensorboard_check.sh runs it:

    tensorboard_check.py TRAIN_LOGDIR METRICS_DB RECORD_LOGDIR VIDEOS_DIR

- every event file passes TensorBoard's strict record reader (CRCs checked);
- training runs: every scalar that EventAccumulator reads equals the SQLite
  metrics store's value for that episode (as a 32-bit float), for every
  episode of the experiment; hparams (experiment, session start and end)
  and the config text are there;
- every clip's GIF (Pillow) has the frames and the duration its video's
  frame count and fps give (one frame in `stride`, real-time speed; kept
  frames that look like the one before are merged into it, so at most that
  many frames), at the preview size, and its text names the video file,
  which exists;
- the recording run (gymrec record --tensorboard): one return and length
  per episode, and each video of the folder's index.jsonl as a GIF whose
  step's return is the video's episode return.

Prints one line per check and closes with "tensorboard: N passed, M failed".
"""

import io
import json
import math
import os
import sqlite3
import struct
import sys

from PIL import Image
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.compat.tensorflow_stub import errors
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New
from tensorboard.plugins.hparams import plugin_data_pb2

# PreviewSettings::default() in src/tensorboard/preview.rs.
MAX_SIZE, MAX_FRAMES, MAX_FPS = 240, 300, 25
SCALARS = {
    "episode/return": "reward",
    "episode/length": "length",
    "episode/return_moving_mean": "reward_moving_avg",
    "episode/return_moving_std": "reward_moving_std",
}

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok     {what}")
    else:
        failed += 1
        print(f"FAILED {what}")


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def event_files(logdir):
    for root, _, files in os.walk(logdir):
        for name in sorted(files):
            if name.startswith("events.out.tfevents."):
                yield os.path.join(root, name)


def strict_read(path):
    """The records of `path` through TensorBoard's CRC-checking reader."""
    reader = PyRecordReader_New(path)
    n = 0
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return n, None
        except errors.DataLossError as e:
            return n, e
        n += 1


def accumulator(run_dir):
    acc = ea.EventAccumulator(
        run_dir,
        size_guidance={ea.SCALARS: 0, ea.IMAGES: 0, ea.TENSORS: 0},
    )
    acc.Reload()
    return acc


def expected_preview(frames, fps, width, height):
    """(kept frames, duration in ms, size) of a clip's GIF, by the rule of
    src/tensorboard/preview.rs."""
    stride = math.ceil(fps / MAX_FPS)
    while math.ceil(frames / stride) > MAX_FRAMES:
        stride *= 2
    scale = min(MAX_SIZE / width, MAX_SIZE / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Each kept frame's delay is rounded to hundredths with no drift.
    cs = lambda n: (n * 100 + fps // 2) // fps
    return math.ceil(frames / stride), cs(frames) * 10, size


def gif_facts(data):
    image = Image.open(io.BytesIO(data))
    durations, distinct = [], set()
    for i in range(image.n_frames):
        image.seek(i)
        durations.append(image.info.get("duration", 0))
        distinct.add(image.convert("RGB").tobytes())
    return image.n_frames, sum(durations), image.size, len(distinct)


def check_gif(what, data, frames, fps, width, height):
    n, ms, size, distinct = gif_facts(data)
    want_n, want_ms, want_size = expected_preview(frames, fps, width, height)
    check(
        1 <= n <= want_n and (ms, size) == (want_ms, want_size),
        f"{what}: GIF {n} frames, {ms} ms, {size} (want at most {want_n}, {want_ms} ms, {want_size})",
    )
    check(n < 3 or distinct > 1, f"{what}: GIF frames move ({distinct} distinct)")


def text_of(acc, tag):
    return {
        e.step: e.tensor_proto.string_val[0].decode() for e in acc.Tensors(tag)
    }


def check_training(logdir, db_path):
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    experiments = {
        r["name"]: r for r in db.execute("SELECT * FROM experiments ORDER BY id")
    }
    runs = sorted({os.path.dirname(p) for p in event_files(logdir)})
    check(len(runs) >= 1, f"training runs in {logdir}: {len(runs)}")
    for run in runs:
        acc = accumulator(run)
        name = os.path.basename(run)
        # A suffixed run (name_2) is the experiment of that name run again:
        # its numbers are the latest experiment's of that name.
        base = name.rsplit("_", 1)[0] if name not in experiments else name
        matches = [r for r in db.execute(
            "SELECT * FROM experiments WHERE name = ? ORDER BY id", (base,))]
        check(len(matches) >= 1, f"{run}: experiment {base} in the metrics store")
        if not matches:
            continue
        suffix = name[len(base) + 1:] if name != base else ""
        index = (int(suffix) - 1) if suffix else 0
        exp = matches[min(index, len(matches) - 1)]
        episodes = db.execute(
            "SELECT * FROM episodes WHERE experiment_id = ? ORDER BY episode_num",
            (exp["id"],),
        ).fetchall()
        tags = acc.Tags()
        for tag, column in SCALARS.items():
            logged = {e.step: e.value for e in acc.Scalars(tag)} if tag in tags["scalars"] else {}
            want = {r["episode_num"]: f32(r[column]) for r in episodes}
            wrong = [s for s in want if logged.get(s) != want[s]]
            check(
                len(logged) == len(want) and not wrong,
                f"{name}: {tag} = metrics.{column} for all {len(want)} episodes"
                + (f" (differs at {wrong[:5]})" if wrong else ""),
            )
        hparams = acc.PluginTagToContent("hparams")
        check(
            sorted(hparams) == [
                "_hparams_/experiment",
                "_hparams_/session_end_info",
                "_hparams_/session_start_info",
            ],
            f"{name}: hparams experiment, session start and end ({sorted(hparams)})",
        )
        start = plugin_data_pb2.HParamsPluginData.FromString(
            hparams["_hparams_/session_start_info"]
        ).session_start_info
        tags_value = start.hparams["tags"].string_value
        check(
            tags_value == ", ".join(json.loads(exp["tags"]))
            and start.hparams["train.episodes"].number_value
            == json.loads(exp["config"])["train"]["episodes"],
            f"{name}: hparams tags={tags_value!r}, train.episodes",
        )
        experiment = plugin_data_pb2.HParamsPluginData.FromString(
            hparams["_hparams_/experiment"]
        ).experiment
        check(
            sorted(m.name.tag for m in experiment.metric_infos) == sorted(SCALARS),
            f"{name}: hparams metrics are the episode scalars",
        )
        config = text_of(acc, "config").get(0, "")
        check("| tags |" in config and "| train.episodes |" in config,
              f"{name}: config text table")

        videos = db.execute(
            "SELECT * FROM videos WHERE experiment_id = ? ORDER BY id", (exp["id"],)
        ).fetchall()
        last = episodes[-1]["episode_num"] if episodes else 0
        check(len(videos) >= 1, f"{name}: {len(videos)} clips in the metrics store")
        for v in videos:
            tag = f"videos/{v['kind']}"
            step = v["episode_num"] if v["kind"] == "training" else last
            images = {e.step: e for e in acc.Images(tag)} if tag in tags["images"] else {}
            texts = text_of(acc, f"{tag}/file") if f"{tag}/file" in tags["tensors"] else {}
            what = f"{name}: {os.path.basename(v['path'])} at {tag} step {step}"
            check(step in images, f"{what}: image")
            facts = sidecar_of(v["path"])
            check(facts is not None, f"{what}: sidecar")
            if step in images and facts:
                check_gif(what, images[step].encoded_image_string, v["frames"],
                          facts["fps"], facts["width"], facts["height"])
            check(v["path"] in texts.get(step, "") and os.path.exists(v["path"]),
                  f"{what}: text names the file")


def sidecar_of(video_path):
    """The video's sidecar (train_clips keeps the gallery on): its fps and size."""
    sidecar = os.path.splitext(video_path)[0] + ".json"
    if not os.path.exists(sidecar):
        return None
    with open(sidecar) as f:
        return json.load(f)


def check_recording(logdir, videos_dir):
    runs = sorted({os.path.dirname(p) for p in event_files(logdir)})
    check(len(runs) == 1, f"recording runs in {logdir}: {runs}")
    if not runs:
        return
    acc = accumulator(runs[0])
    returns = {e.step: e.value for e in acc.Scalars("episode/return")}
    lengths = {e.step: e.value for e in acc.Scalars("episode/length")}
    check(len(returns) == len(lengths) and sorted(returns) == list(range(len(returns))),
          f"recording: return and length of episodes 0..{len(returns) - 1}")
    with open(os.path.join(videos_dir, "index.jsonl")) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    images = {e.step: e for e in acc.Images("videos")}
    texts = text_of(acc, "videos/file")
    check(len(entries) == len(images) and len(entries) >= 2,
          f"recording: {len(images)} GIFs for {len(entries)} videos")
    for entry in entries:
        ep = entry["episodes"][0]
        step = ep["episode"]
        what = f"recording: {entry['file']} at step {step}"
        check(f32(ep["return"]) == returns.get(step) and ep["length"] == lengths.get(step),
              f"{what}: return {ep['return']} and length {ep['length']} logged")
        if step in images:
            check_gif(what, images[step].encoded_image_string, entry["frames"],
                      entry["fps"], entry["width"], entry["height"])
        check(entry["file"] in texts.get(step, ""), f"{what}: text names the file")


def main():
    train_logdir, db, record_logdir, videos_dir = sys.argv[1:5]
    for logdir in (train_logdir, record_logdir):
        files = list(event_files(logdir))
        check(files, f"event files in {logdir}: {len(files)}")
        for path in files:
            n, error = strict_read(path)
            check(error is None and n >= 2, f"strict reader: {path}: {n} records"
                  + (f" ({error})" if error else ""))
    check_training(train_logdir, db)
    check_recording(record_logdir, videos_dir)
    print(f"tensorboard: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
