#!/usr/bin/env bash
# Checks gymrec's MLflow tracker against a real MLflow server: makes (once)
# the venv .venv-mlflow with the pinned mlflow==3.17.2
# (scripts/mlflow-requirements.txt; about 900 MB, 2-4 minutes), starts
# `mlflow server` on 127.0.0.1 on a free port (stopped by PID on exit), then
#  1. runs the Rust tests that need a server (tests/it/mlflow.rs and
#     train_mlflow.rs, --ignored: the filter mlflow:: matches both);
#  2. `gymrec record --mlflow` and reads the run back with MlflowClient
#     (scripts/mlflow_check.py: names, every episode's return and length,
#     every video, poster and sidecar byte for byte);
#  3. `examples/train_clips --mlflow` and reads the training run back against
#     its SQLite metrics store (names from AnalyticsState, params, every
#     episode's metrics, every clip byte for byte);
#  4. headless Chromium opens each clip's page of the training run in
#     MLflow's UI and plays it (scripts/mlflow_ui_check.py, DevTools protocol);
#  5. a recording while the server is stopped mid-recording and started again:
#     no local video lost, everything sent in the end, the retries reported.
#   scripts/mlflow_check.sh              everything (about three minutes once built)
#   scripts/mlflow_check.sh --venv-only  just make the venv
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-mlflow
. scripts/venv.sh
ensure_venv "$venv" scripts/mlflow-requirements.txt
[ "${1:-}" = "--venv-only" ] && exit 0

out=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$out"' EXIT
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
uri=http://127.0.0.1:$port
start_server() {
  MLFLOW_DISABLE_TELEMETRY=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
    "$venv/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "sqlite:///$out/mlflow.db" --artifacts-destination "$out/artifacts" \
    >> "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 120); do
    if "$venv/bin/python" -c "import urllib.request as u; u.urlopen('$uri/health', timeout=2)" \
      2> /dev/null; then return 0; fi
    sleep 0.5
  done
  echo "mlflow server did not answer at $uri/health in 60 s:" >&2
  tail -20 "$out/server.log" >&2
  return 1
}

cargo build --locked --quiet --bin gymrec --example train_clips
target=${CARGO_TARGET_DIR:-target}/debug
start_server

# 1. The Rust tests that need the server.
GYMREC_TEST_MLFLOW_URI=$uri cargo test --locked --quiet --test it -- mlflow:: --ignored

# 2. gymrec record --mlflow, read back.
"$target/gymrec" record --env CartPole-v1 --episodes 12 --trigger every:4 --quiet \
  --out "$out/videos" --mlflow "$uri" --mlflow-experiment gymrec-check \
  --mlflow-run record > "$out/record.txt"
cat "$out/record.txt"
"$venv/bin/python" scripts/mlflow_check.py "$uri" gymrec-check record "$out/videos" 12 \
  "$out/record.txt"

# 3. A training run: examples/train_clips --mlflow, read back against its
# SQLite store.
mkdir -p "$out/train"
"$target/examples/train_clips" --episodes 60 --frequency 20 --quiet --root "$out/train" \
  --db "$out/train/metrics.db" --logdir "$out/train/runs" --dirname cartpole \
  --mlflow "$uri" > "$out/train.txt"
cat "$out/train.txt"
"$venv/bin/python" scripts/mlflow_check.py train "$uri" gymrec-examples "$out/train/metrics.db" \
  "$out/train/cartpole/videos" "$out/train.txt"

# 4. MLflow's UI plays the training run's clips (headless Chromium).
command -v chromium > /dev/null || scripts/deps.sh --test
"$venv/bin/python" scripts/mlflow_ui_check.py "$uri" \
  "$(sed -n 's/^mlflow: run \([0-9a-f]*\) .*/\1/p' "$out/train.txt")"

# 5. The server stopped in the middle of a recording and started again:
# stopped as soon as the run's first video has arrived (not after a fixed
# time, which a fast machine outruns), with a hundred videos still to come.
uploaded_videos() { find "$out/artifacts" -name '*.mp4' | wc -l; }
before=$(uploaded_videos)
"$target/gymrec" record --env CartPole-v1 --episodes 1000 --trigger every:10 --quiet \
  --out "$out/outage" --mlflow "$uri" --mlflow-experiment gymrec-check \
  --mlflow-run outage > "$out/outage.txt" 2> "$out/outage.log" &
record_pid=$!
for _ in $(seq 1200); do
  [ "$(uploaded_videos)" -gt "$before" ] && break
  sleep 0.05
done
stop_server
sleep 3
start_server
if ! wait "$record_pid"; then
  echo "gymrec record failed during the outage; its output and log:" >&2
  cat "$out/outage.txt" "$out/outage.log" >&2
  exit 1
fi
cat "$out/outage.txt"
echo "warnings naming what was not sent (yet): $(grep -c "not sent" "$out/outage.log" || true)"
"$venv/bin/python" scripts/mlflow_check.py "$uri" gymrec-check outage "$out/outage" 1000 \
  "$out/outage.txt" --restarted
