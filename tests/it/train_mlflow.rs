//! `LogToMlflow`: training goes on, bounded, when the server is unreachable
//! or hangs; with the real server of scripts/mlflow_check.sh (`--ignored`):
//! a training run read back over REST against the metrics store, a failed
//! training's run ended FAILED, a retried batch logged once.

use crate::mlflow::{closed_port_uri, get, int, quick_retry, server, unique};
use gymrec::env::{RenderMode, SpaceValue};
use gymrec::tracker::mlflow::{Metric, MlflowClient, UploadSummary};
use gymrec::train::{
    Agent, AnalyticsState, LogToMlflow, MetricsStore, RecordVideos, Status, TrainCallback,
    TrainState, Trainer,
};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Always pushes right: CartPole episodes of about ten steps.
struct PushRight;

impl Agent for PushRight {
    fn name(&self) -> &str {
        "PushRight"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"push": "right", "strength": 1.5})
    }
    fn act(&mut self, _obs: &[f32]) -> gymrec::Result<SpaceValue> {
        Ok(SpaceValue::Discrete(1))
    }
    fn predict(&mut self, _obs: &[f32]) -> gymrec::Result<SpaceValue> {
        Ok(SpaceValue::Discrete(1))
    }
    fn state(&self) -> gymrec::Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
}

/// Notes when the complete callbacks reach it, and fails at an episode.
#[derive(Clone, Default)]
struct Clock {
    completed_at: Arc<Mutex<Option<Instant>>>,
    fail_at: Option<u64>,
}

impl TrainCallback for Clock {
    fn call(&mut self, state: &mut TrainState<'_>) -> gymrec::Result<()> {
        if state.status == Status::Complete {
            *self.completed_at.lock().unwrap() = Some(Instant::now());
        }
        if state.status == Status::Episode && Some(state.current_ep) == self.fail_at {
            return Err(gymrec::Error::NoEpisodes);
        }
        Ok(())
    }
    fn config(&self) -> (String, serde_json::Value) {
        ("Clock".into(), serde_json::json!({}))
    }
    fn info(&self) -> String {
        "'Clock' enabled.".into()
    }
}

fn temp_root(name: &str) -> PathBuf {
    let dir = crate::common::temp_dir(&format!("train-mlflow-{name}"));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

/// 30 episodes of CartPole, clips at 10 and 20 and a final one, logged
/// with `mlflow`, between the callbacks `before` and `after`.
fn train(
    root: &Path,
    mlflow: LogToMlflow,
    analytics: AnalyticsState,
    [before, after]: [Clock; 2],
) -> (gymrec::Result<gymrec::train::TrainSummary>, MetricsStore) {
    let env = gymrec::make("CartPole-v1", RenderMode::RgbArray).unwrap();
    let videos = RecordVideos::builder("run")
        .root(root)
        .frequency(10)
        .configure(|config| config.gallery())
        .mlflow(mlflow.clips())
        .build()
        .unwrap();
    let store = MetricsStore::in_memory().unwrap();
    let result = Trainer::new(env)
        .episodes(30)
        .seed(0)
        .analytics(analytics)
        .callback(videos)
        .callback(before)
        .callback(mlflow)
        .callback(after)
        .run(&mut PushRight, &store);
    (result, store)
}

fn summary_of(summary: &Arc<Mutex<UploadSummary>>) -> UploadSummary {
    summary.lock().unwrap().clone()
}

#[test]
fn training_goes_on_when_the_server_is_unreachable() {
    let root = temp_root("unreachable");
    let mlflow = LogToMlflow::new(closed_port_uri()).retry(quick_retry());
    let summary = mlflow.summary();
    let started = Instant::now();
    let (result, _) = train(&root, mlflow, AnalyticsState::new("p"), Default::default());
    let elapsed = started.elapsed();
    let trained = result.expect("training goes on");
    assert_eq!(trained.episodes, 30);
    assert_eq!(trained.videos.len(), 3);
    for video in &trained.videos {
        assert!(video.path.is_file(), "{}", video.path.display());
    }
    let summary = summary_of(&summary);
    assert!(summary.run.is_none());
    for file in [
        "videos/CartPole-episode-10.mp4",
        "videos/CartPole-episode-20.mp4",
        "videos/CartPole_final-episode-0.mp4",
    ] {
        assert!(
            summary.not_sent.iter().any(|w| w == file),
            "{file} not in {:?}",
            summary.not_sent
        );
    }
    assert!(
        summary
            .not_sent
            .iter()
            .any(|w| w.ends_with("metric values")),
        "{:?}",
        summary.not_sent
    );
    assert!(summary.artifacts_sent.is_empty());
    assert!(summary.to_string().starts_with("no run created"));
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn a_server_that_never_answers_bounds_the_end_of_training() {
    let root = temp_root("hanging");
    // Connections are taken (the kernel's backlog) and never answered.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (timeout, flush) = (Duration::from_millis(500), Duration::from_secs(1));
    let mlflow = LogToMlflow::new(&uri)
        .retry(quick_retry())
        .timeout(timeout)
        .flush_timeout(flush);
    let summary = mlflow.summary();
    let clocks = [Clock::default(), Clock::default()];
    let (result, _) = train(&root, mlflow, AnalyticsState::new("p"), clocks.clone());
    let trained = result.expect("training goes on");
    assert_eq!(trained.videos.len(), 3);
    // The end waits at most the flush timeout and two call timeouts (a
    // call under way at the deadline, the run's end), not a call timeout
    // per thing queued (12 here).
    let at = |c: &Clock| c.completed_at.lock().unwrap().expect("completed");
    let waited = at(&clocks[1]) - at(&clocks[0]);
    let bound = flush + 2 * timeout + Duration::from_secs(1);
    assert!(waited <= bound, "{waited:?} > {bound:?}");
    let summary = summary_of(&summary);
    assert!(summary.run.is_none());
    assert!(
        summary.not_sent.len() >= 4,
        "videos, posters, sidecars, metrics: {:?}",
        summary.not_sent
    );
    drop(listener);
    std::fs::remove_dir_all(&root).ok();
}

/// The run `LogToMlflow` logged to, by its summary, with its JSON.
fn run_of(uri: &str, summary: &UploadSummary) -> serde_json::Value {
    let run = summary.run.as_ref().expect("a run");
    get(uri, &format!("runs/get?run_id={}", run.run_id))["run"].clone()
}

#[test]
#[ignore = "needs an MLflow server: scripts/mlflow_check.sh"]
fn a_training_run_reaches_a_real_server() {
    let uri = server();
    let root = temp_root("real");
    let project = unique("train");
    let mlflow = LogToMlflow::new(&uri);
    let summary = mlflow.summary();
    let analytics = AnalyticsState::new(&project).with_tags(["push", "a+b"]);
    let (result, store) = train(&root, mlflow, analytics, Default::default());
    let trained = result.unwrap();
    let summary = summary_of(&summary);
    assert!(summary.not_sent.is_empty(), "{:?}", summary.not_sent);
    let run = run_of(&uri, &summary);
    assert_eq!(run["info"]["run_name"], "PushRight_CartPole_30ep");
    assert_eq!(run["info"]["status"], "FINISHED");
    let experiment = get(
        &uri,
        &format!(
            "experiments/get?experiment_id={}",
            run["info"]["experiment_id"].as_str().unwrap()
        ),
    );
    assert_eq!(experiment["experiment"]["name"], project.as_str());
    let tags: Vec<(&str, &str)> = run["data"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["value"].as_str().unwrap()))
        .collect();
    assert!(tags.contains(&("push", "")), "{tags:?}");
    assert!(tags.contains(&("a_b", "")), "{tags:?}");
    let params: Vec<(&str, &str)> = run["data"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["value"].as_str().unwrap()))
        .collect();
    assert!(params.contains(&("agent.strength", "1.5")), "{params:?}");
    assert!(params.contains(&("train.episodes", "30")), "{params:?}");
    assert!(
        params.contains(&("callbacks.RecordVideos.frequency", "10")),
        "{params:?}"
    );

    let run_id = &summary.run.as_ref().unwrap().run_id;
    let rows = store.episodes(trained.experiment_id).unwrap();
    for (key, of) in [
        (
            "episode/return",
            (|r| r.reward) as fn(&gymrec::train::EpisodeRow) -> f64,
        ),
        ("episode/length", |r| r.length as f64),
        ("episode/return_moving_mean", |r| r.reward_moving_avg),
        ("episode/return_moving_std", |r| r.reward_moving_std),
    ] {
        let history = get(
            &uri,
            &format!("metrics/get-history?run_id={run_id}&metric_key={key}"),
        );
        let mut logged: Vec<(i64, f64)> = history["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (int(&m["step"]), m["value"].as_f64().unwrap()))
            .collect();
        logged.sort_by_key(|m| m.0);
        let expected: Vec<(i64, f64)> = rows.iter().map(|r| (r.episode as i64, of(r))).collect();
        assert_eq!(logged, expected, "{key}");
    }
    let listed = get(&uri, &format!("artifacts/list?run_id={run_id}&path=videos"));
    let files: Vec<(&str, i64)> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), int(&f["file_size"])))
        .collect();
    for video in &trained.videos {
        let name = video.path.file_name().unwrap().to_str().unwrap();
        let size = std::fs::metadata(&video.path).unwrap().len() as i64;
        assert!(
            files.contains(&(format!("videos/{name}").as_str(), size)),
            "{name} ({size} bytes) in {files:?}"
        );
    }
    assert_eq!(
        files.len(),
        9,
        "each clip, its poster and sidecar: {files:?}"
    );
    std::fs::remove_dir_all(&root).ok();
}

#[test]
#[ignore = "needs an MLflow server: scripts/mlflow_check.sh"]
fn a_failed_training_ends_its_run_failed() {
    let uri = server();
    let root = temp_root("failed");
    let mlflow = LogToMlflow::new(&uri);
    let summary = mlflow.summary();
    let failing = Clock {
        fail_at: Some(15),
        ..Clock::default()
    };
    let analytics = AnalyticsState::new(unique("failed"));
    let (result, _) = train(&root, mlflow, analytics, [Clock::default(), failing]);
    assert!(result.is_err());
    let summary = summary_of(&summary);
    assert_eq!(
        summary.ended,
        Some(gymrec::tracker::mlflow::RunStatus::Failed)
    );
    let run = run_of(&uri, &summary);
    assert_eq!(run["info"]["status"], "FAILED");
    // The clip of episode 10 went before the failure.
    assert!(
        summary
            .artifacts_sent
            .contains(&"videos/CartPole-episode-10.mp4".to_string()),
        "{:?}",
        summary.artifacts_sent
    );
    std::fs::remove_dir_all(&root).ok();
}

#[test]
#[ignore = "needs an MLflow server: scripts/mlflow_check.sh"]
fn a_batch_sent_twice_is_logged_once() {
    let uri = server();
    let client = MlflowClient::new(&uri).unwrap();
    let experiment = client.experiment_id(&unique("twice")).unwrap();
    let run = client.create_run(&experiment, "twice", 0, &[]).unwrap();
    let metrics: Vec<Metric> = (0..5).map(|i| Metric::now("m", i as f64, i)).collect();
    // A retry after a try whose answer was lost: the same values, the same
    // timestamps.
    client.log_batch(&run.run_id, &metrics, &[], &[]).unwrap();
    client.log_batch(&run.run_id, &metrics, &[], &[]).unwrap();
    let history = get(
        &uri,
        &format!("metrics/get-history?run_id={}&metric_key=m", run.run_id),
    );
    assert_eq!(history["metrics"].as_array().unwrap().len(), 5);
}
