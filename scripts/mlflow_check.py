"""Reads gymrec's MLflow runs back with MLflow's own MlflowClient, as
scripts/mlflow_check.sh runs it:

    mlflow_check.py URI EXPERIMENT RUN_NAME VIDEOS_DIR EPISODES CLI_OUTPUT [--restarted]

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

Prints one line per check and closes with "mlflow: N passed, M failed".
"""

import json
import os
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


def main():
    uri, experiment, run_name, videos_dir, episodes, cli_output = sys.argv[1:7]
    restarted = "--restarted" in sys.argv[7:]
    episodes = int(episodes)
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    check(exp is not None, f"experiment {experiment!r} exists")
    if exp is None:
        return
    runs = client.search_runs(
        [exp.experiment_id], filter_string=f"attributes.run_name = '{run_name}'"
    )
    check(len(runs) == 1, f"one run named {run_name!r}: {len(runs)}")
    if not runs:
        return
    run = runs[0]
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

    listed = {os.path.basename(a.path): a for a in client.list_artifacts(run_id, "videos")}
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            name = entry["file"]
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

    with open(cli_output) as f:
        out = f.read()
    summary = [line for line in out.splitlines() if line.startswith("mlflow: run ")]
    check(summary and "0 not sent" in summary[0], f"CLI summary: {summary}")
    if restarted:
        retried = [line for line in out.splitlines() if line.startswith("mlflow: retried: ")]
        check(len(retried) > 0, f"the outage shows as retried uploads: {len(retried)} lines")


if __name__ == "__main__":
    try:
        main()
    finally:
        print(f"mlflow: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
