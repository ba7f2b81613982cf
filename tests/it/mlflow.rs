//! The MLflow tracker (feature `mlflow`). Without a server: an unreachable
//! or refused tracker never costs a local video, is retried as the policy
//! says and ends up in the report. With a real server
//! (`GYMREC_TEST_MLFLOW_URI`, set by scripts/mlflow_check.sh, which runs
//! these `#[ignore]`d tests with `--ignored`): the calls' shapes as the
//! server takes them, and a recording read back through the REST API.

use gymrec::Error;
use gymrec::env::{Env, RenderMode, SpaceValue};
use gymrec::record::{RecordingConfig, Trigger};
use gymrec::tracker::mlflow::{Metric, Mlflow, MlflowClient, Retry, RunStatus};
use serde_json::Value;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A URI where nothing listens: a port bound and let go.
pub(crate) fn closed_port_uri() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

pub(crate) fn quick_retry() -> Retry {
    Retry {
        attempts: 3,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(40),
        max_time: Duration::from_secs(5),
    }
}

/// Records `episodes` CartPole episodes, a video each, pushing right.
fn record(dir: &std::path::Path, mlflow: Mlflow, episodes: u64) -> gymrec::record::RecordingReport {
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut env = RecordingConfig::new(dir)
        .episode_trigger(Trigger::always())
        .gallery()
        .observer(mlflow)
        .overwrite(true)
        .wrap(env)
        .unwrap();
    for episode in 0..episodes {
        env.reset(Some(episode)).unwrap();
        while !env.step(SpaceValue::Discrete(1)).unwrap().done() {}
    }
    env.finish()
}

#[test]
fn an_unreachable_server_costs_no_video_and_is_in_the_report() {
    let dir = crate::common::temp_dir("mlflow-unreachable");
    let uri = closed_port_uri();
    let mlflow = Mlflow::new(&uri).retry(quick_retry());
    let summary = mlflow.summary();
    let started = Instant::now();
    let report = record(&dir, mlflow, 3);
    let elapsed = started.elapsed();

    assert_eq!(report.videos.len(), 3);
    for video in &report.videos {
        assert!(video.facts.path.is_file(), "{}", video.facts.path.display());
        assert_eq!(
            std::fs::metadata(&video.facts.path).unwrap().len(),
            video.facts.bytes
        );
    }
    assert!(!report.errors.is_empty());
    for err in &report.errors {
        assert!(matches!(err, Error::Tracker { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.starts_with(&uri) && text.contains("not sent"),
            "{text}"
        );
    }
    let texts: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("videos/rl-video-episode-2.mp4")),
        "{texts:#?}"
    );
    let summary = summary.lock().unwrap();
    assert!(summary.run.is_none());
    assert!(
        summary
            .not_sent
            .iter()
            .any(|w| w == "videos/rl-video-episode-0.mp4")
    );
    assert!(summary.artifacts_sent.is_empty());
    // Bounded: a few short retry rounds, not a stall.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn retries_back_off_and_stop_at_the_attempt_limit() {
    let dir = crate::common::temp_dir("mlflow-backoff");
    let retry = Retry {
        attempts: 4,
        first_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(200),
        max_time: Duration::from_secs(10),
    };
    let mlflow = Mlflow::new(closed_port_uri()).retry(retry);
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let mut env = RecordingConfig::new(&dir)
        .episode_trigger(Trigger::never())
        .observer(mlflow)
        .wrap(env)
        .unwrap();
    env.reset(Some(0)).unwrap();
    // The episode's metrics are queued; the step returns at once.
    let started = Instant::now();
    while !env.step(SpaceValue::Discrete(1)).unwrap().done() {}
    assert!(started.elapsed() < Duration::from_millis(500));
    let started = Instant::now();
    let report = env.finish();
    let waited = started.elapsed();
    // The metrics: 4 tries (waits 100 + 200 + 200 ms), then at the flush
    // once more with a fresh budget (another 500 ms).
    assert!(waited >= Duration::from_millis(450), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0]
            .to_string()
            .contains("2 metric values not sent after 4 tries")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_uri_that_is_not_http_is_reported_and_recording_goes_on() {
    let dir = crate::common::temp_dir("mlflow-https");
    let report = record(&dir, Mlflow::new("https://mlflow.example.com"), 1);
    assert_eq!(report.videos.len(), 1);
    assert!(report.videos[0].facts.path.is_file());
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0]
            .to_string()
            .contains("is not an http:// tracking URI"),
        "{}",
        report.errors[0]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The server of scripts/mlflow_check.sh.
pub(crate) fn server() -> String {
    std::env::var("GYMREC_TEST_MLFLOW_URI")
        .expect("GYMREC_TEST_MLFLOW_URI: run through scripts/mlflow_check.sh")
}

/// `GET /api/2.0/mlflow/<call>`'s JSON.
pub(crate) fn get(uri: &str, call: &str) -> Value {
    let body = ureq::get(format!("{uri}/api/2.0/mlflow/{call}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

/// A 64-bit integer of MLflow's JSON: a number, or a string (protobuf's
/// JSON mapping).
pub(crate) fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

pub(crate) fn unique(name: &str) -> String {
    format!("{name}-{}-{}", std::process::id(), uploader_now())
}

fn uploader_now() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
#[ignore = "needs an MLflow server: scripts/mlflow_check.sh"]
fn the_calls_as_a_real_server_takes_them() {
    let uri = server();
    let client = MlflowClient::new(&uri).unwrap();
    let name = unique("calls");
    let id = client.experiment_id(&name).unwrap();
    assert_eq!(
        client.experiment_id(&name).unwrap(),
        id,
        "found, not created again"
    );
    let tags = vec![("team".to_string(), "rl".to_string())];
    let run = client
        .create_run(&id, "shapes", 1_700_000_000_000, &tags)
        .unwrap();
    assert_eq!(run.artifact_path, format!("{id}/{}/artifacts", run.run_id));

    // 2,500 metrics and 150 params: three log-batch calls.
    let metrics: Vec<Metric> = (0..2500)
        .map(|i| Metric {
            key: "m".into(),
            value: i as f64 / 4.0,
            timestamp_ms: 1_700_000_000_000 + i,
            step: i,
        })
        .collect();
    let params: Vec<(String, String)> =
        (0..150).map(|i| (format!("p{i}"), i.to_string())).collect();
    client
        .log_batch(&run.run_id, &metrics, &params, &[])
        .unwrap();
    let history = get(
        &uri,
        &format!(
            "metrics/get-history?run_id={}&metric_key=m&max_results=5000",
            run.run_id
        ),
    );
    let values = history["metrics"].as_array().unwrap();
    assert_eq!(values.len(), 2500);
    assert!(values.iter().any(|m| int(&m["step"]) == 2499));

    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    client
        .upload_artifact(&run, "videos/a b.mp4", &bytes)
        .unwrap();
    let listed = get(
        &uri,
        &format!("artifacts/list?run_id={}&path=videos", run.run_id),
    );
    assert_eq!(listed["files"][0]["path"], "videos/a b.mp4");
    assert_eq!(int(&listed["files"][0]["file_size"]), 100_000);

    client
        .update_run(&run.run_id, RunStatus::Finished, 1_700_000_100_000)
        .unwrap();
    let got = get(&uri, &format!("runs/get?run_id={}", run.run_id));
    let info = &got["run"]["info"];
    assert_eq!(info["status"], "FINISHED");
    assert_eq!(info["run_name"], "shapes");
    assert_eq!(int(&info["end_time"]), 1_700_000_100_000);
    let params = got["run"]["data"]["params"].as_array().unwrap();
    assert_eq!(params.len(), 150);
}

#[test]
#[ignore = "needs an MLflow server: scripts/mlflow_check.sh"]
fn a_recording_reaches_a_real_server() {
    let uri = server();
    let dir = crate::common::temp_dir("mlflow-real");
    let experiment = unique("observer");
    let mlflow = Mlflow::new(&uri)
        .experiment(&experiment)
        .run_name("cartpole")
        .param("env", "CartPole-v1");
    let summary = mlflow.summary();
    let report = record(&dir, mlflow, 3);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let summary = summary.lock().unwrap().clone();
    let run = summary.run.expect("a run");
    assert_eq!(summary.ended, Some(RunStatus::Finished));
    assert_eq!(summary.metrics_sent, 6);
    // Each video, its poster and its sidecar.
    assert_eq!(
        summary.artifacts_sent.len(),
        9,
        "{:?}",
        summary.artifacts_sent
    );

    let history = get(
        &uri,
        &format!(
            "metrics/get-history?run_id={}&metric_key=episode/return",
            run.run_id
        ),
    );
    let mut returns: Vec<(i64, f64)> = history["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (int(&m["step"]), m["value"].as_f64().unwrap()))
        .collect();
    returns.sort_by_key(|r| r.0);
    let expected: Vec<(i64, f64)> = report
        .videos
        .iter()
        .map(|v| (v.episodes[0].episode as i64, v.episodes[0].ret))
        .collect();
    assert_eq!(returns, expected);
    let listed = get(
        &uri,
        &format!("artifacts/list?run_id={}&path=videos", run.run_id),
    );
    let files: Vec<&str> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for video in &report.videos {
        let name = video.facts.path.file_name().unwrap().to_str().unwrap();
        assert!(
            files.contains(&format!("videos/{name}").as_str()),
            "{files:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
