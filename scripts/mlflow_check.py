"""Reads gymrec's MLflow runs back with MLflow's own MlflowClient, as
scripts/mlflow_check.sh runs it:

    mlflow_check.py URI EXPERIMENT RUN_NAME VIDEOS_DIR EPISODES CLI_OUTPUT [--restarted]
    mlflow_check.py train URI PROJECT METRICS_DB VIDEOS_DIR CLI_OUTPUT

A recording (`gymrec record --mlflow`):
- the experiment and the run exist under those names, the run FINISHED;
- `episode/return` and `episode/length` have one value per episode
  (steps 0 .. EPISODES-1), and each video's episodes (index.jsonl) have the
  return and length the recording wrote;
- every video of the index is an artifact under videos/ whose bytes equal
  the local file, with its poster and sidecar; every video in the folder is
  in the index (no local video lost);
- the CLI's summary says nothing was left unsent; with --restarted (the
  server was stopped mid-run and started again), that something was
  retried.

A training run (`examples/train_clips --mlflow`), against its SQLite
metrics store (read with sqlite3):
- the run the example names is in experiment PROJECT (the AnalyticsState's
  project_name) and named as the store's experiment (the experiment_name
  analytics_update filled), FINISHED, with a tag per AnalyticsState tag;
- its params are the store's settings, flattened by path, every one;
- every episode's return, length, moving mean and std (and losses) are the
  store's, at the episode's number, each logged once;
- every video of the store is an artifact under videos/ with the bytes of
  the local file, with its poster and sidecar; the example's summary says
  nothing was left unsent.

Prints one line per check and closes with "mlflow: N passed, M failed".
"""

import json
import os
import sqlite3
import sys
import tempfile

from mlflow.tracking import MlflowClient

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")


def one_run(client, experiment, run_name):
    """The one run named `run_name` in `experiment`, else None (checked)."""
    exp = client.get_experiment_by_name(experiment)
    check(exp is not None, f"experiment {experiment!r} exists")
    if exp is None:
        return None
    runs = client.search_runs(
        [exp.experiment_id], filter_string=f"attributes.run_name = '{run_name}'"
    )
    check(len(runs) == 1, f"one run named {run_name!r}: {len(runs)}")
    return runs[0] if runs else None


def artifacts_equal(client, run_id, videos_dir, names):
    """Each video of `names`, its poster and its sidecar are listed under
    videos/ with the bytes of the local file."""
    listed = {os.path.basename(a.path): a for a in client.list_artifacts(run_id, "videos")}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            stem = name.rsplit(".", 1)[0]
            for artifact in (name, f"{stem}.poster.png", f"{stem}.json"):
                local = os.path.join(videos_dir, artifact)
                if artifact not in listed:
                    check(False, f"artifact videos/{artifact} listed")
                    continue
                got = client.download_artifacts(run_id, f"videos/{artifact}", tmp)
                with open(got, "rb") as a, open(local, "rb") as b:
                    same = a.read() == b.read()
                check(same and listed[artifact].file_size == os.path.getsize(local),
                      f"artifact videos/{artifact}: {listed[artifact].file_size} bytes, "
                      f"equal to the local file")


def summary_line(cli_output):
    """The `mlflow: run ...` line of a command's output, and the output."""
    with open(cli_output) as f:
        out = f.read()
    lines = [line for line in out.splitlines() if line.startswith("mlflow: run ")]
    return (lines[0] if lines else ""), out


def main_record(uri, experiment, run_name, videos_dir, episodes, cli_output, restarted):
    episodes = int(episodes)
    client = MlflowClient(tracking_uri=uri)
    run = one_run(client, experiment, run_name)
    if run is None:
        return
    run_id = run.info.run_id
    check(run.info.status == "FINISHED", f"run {run_id} status {run.info.status}")
    check(run.data.params.get("episodes") == str(episodes),
          f"param episodes = {run.data.params.get('episodes')}")

    returns = {m.step: m.value for m in client.get_metric_history(run_id, "episode/return")}
    lengths = {m.step: m.value for m in client.get_metric_history(run_id, "episode/length")}
    check(sorted(returns) == list(range(episodes)),
          f"episode/return at steps 0..{episodes - 1}: {len(returns)} values")
    check(sorted(lengths) == list(range(episodes)),
          f"episode/length at steps 0..{episodes - 1}: {len(lengths)} values")

    with open(os.path.join(videos_dir, "index.jsonl")) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    on_disk = sorted(n for n in os.listdir(videos_dir) if n.endswith(".mp4"))
    check(on_disk == sorted(e["file"] for e in entries),
          f"every video on disk is in the index: {len(on_disk)} videos")
    for entry in entries:
        for ep in entry["episodes"]:
            if ep["complete"]:
                step = ep["episode"]
                check(returns.get(step) == ep["return"] and lengths.get(step) == ep["length"],
                      f"{entry['file']}: episode {step} return {ep['return']} "
                      f"(logged {returns.get(step)}), length {ep['length']}")
    artifacts_equal(client, run_id, videos_dir, [e["file"] for e in entries])

    summary, out = summary_line(cli_output)
    check("0 not sent" in summary, f"CLI summary: {summary}")
    if restarted:
        retried = [line for line in out.splitlines() if line.startswith("mlflow: retried: ")]
        check(len(retried) > 0, f"the outage shows as retried uploads: {len(retried)} lines")


def flatten(settings, path=""):
    """The settings' params as LogToMlflow logs them: by path, strings as
    themselves, the rest as compact JSON, nulls left out."""
    if settings is None:
        return {}
    if isinstance(settings, dict):
        out = {}
        for key, value in settings.items():
            out.update(flatten(value, f"{path}.{key}" if path else key))
        return out
    text = settings if isinstance(settings, str) else json.dumps(settings, separators=(",", ":"))
    return {path or "value": text}


def expected_metrics(db, experiment_id):
    """{metric key: {episode: value}} as the store has them."""
    columns = {
        "episode/return": "reward",
        "episode/length": "length",
        "episode/return_moving_mean": "reward_moving_avg",
        "episode/return_moving_std": "reward_moving_std",
    }
    episodes = db.execute(
        "SELECT * FROM episodes WHERE experiment_id = ? ORDER BY episode_num", (experiment_id,)
    ).fetchall()
    expected = {key: {e["episode_num"]: float(e[col]) for e in episodes}
                for key, col in columns.items()}
    for e in episodes:
        for name, value in json.loads(e["losses"] or "{}").items():
            expected.setdefault(f"losses/{name}", {})[e["episode_num"]] = float(value)
    return expected


def main_train(uri, project, db_path, videos_dir, cli_output):
    client = MlflowClient(tracking_uri=uri)
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    exp_row = db.execute("SELECT * FROM experiments ORDER BY id DESC LIMIT 1").fetchone()
    summary, _ = summary_line(cli_output)
    check(summary.startswith("mlflow: run "), f"the example names its run: {summary!r}")
    if not summary.startswith("mlflow: run "):
        return
    run_id = summary.split()[2]
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id).name
    check(experiment == project and run.info.run_name == exp_row["name"],
          f"run {run_id} is {run.info.run_name!r} in experiment {experiment!r}: the store's "
          f"experiment {exp_row['name']!r} in project {project!r}")
    check(run.info.status == "FINISHED", f"run {run_id} status {run.info.status}")
    tags = json.loads(exp_row["tags"])
    check(tags and all(run.data.tags.get(t) == "" for t in tags),
          f"the AnalyticsState's tags {tags} are run tags")
    params = flatten(json.loads(exp_row["config"]))
    differing = set(params.items()) ^ set(run.data.params.items())
    check(not differing, f"params are the store's {len(params)} settings, "
                         f"{len(run.data.params)} logged; differing: {sorted(differing)}")

    expected = expected_metrics(db, exp_row["id"])
    check(sorted(run.data.metrics) == sorted(expected), f"metric keys {sorted(run.data.metrics)}")
    for key, values in expected.items():
        history = client.get_metric_history(run_id, key)
        logged = {m.step: m.value for m in history}
        check(logged == values and len(history) == len(values),
              f"{key}: {len(history)} values, each episode's once, equal to the store's "
              f"({len(values)} episodes)")

    videos = [os.path.basename(r["path"]) for r in db.execute(
        "SELECT path FROM videos WHERE experiment_id = ? ORDER BY id", (exp_row["id"],))]
    check(len(videos) > 0, f"the store has videos: {videos}")
    artifacts_equal(client, run_id, videos_dir, videos)

    check("0 not sent" in summary and " FINISHED:" in summary, f"the example's summary: {summary}")


def main():
    if sys.argv[1] == "train":
        main_train(*sys.argv[2:7])
    else:
        main_record(*sys.argv[1:7], restarted="--restarted" in sys.argv[7:])


if __name__ == "__main__":
    try:
        main()
    finally:
        print(f"mlflow: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
