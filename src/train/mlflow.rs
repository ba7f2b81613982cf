//! [`LogToMlflow`]: a training run as an MLflow run (feature `mlflow`):
//! velora's [`AnalyticsState`](super::AnalyticsState) names it, the
//! settings are its params, the [`MetricsStore`](super::MetricsStore)'s
//! episode numbers its metrics, and (with [`RecordVideos`](super::RecordVideos))
//! each clip an artifact, all in one run, sent by one uploader thread.
//!
//! ```no_run
//! use gymrec::env::RenderMode;
//! use gymrec::train::{AnalyticsState, Cem, CemConfig, LogToMlflow, MetricsStore, RecordVideos, Trainer};
//!
//! # fn main() -> gymrec::Result<()> {
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut agent = Cem::for_env(&env, CemConfig::default())?;
//! let mlflow = LogToMlflow::new("http://127.0.0.1:5000");
//! let summary = mlflow.summary();
//! let videos = RecordVideos::builder("cartpole").frequency(20).mlflow(mlflow.clips()).build()?;
//! Trainer::new(env)
//!     .episodes(100)
//!     .analytics(AnalyticsState::new("demos")) // experiment "demos", run "CEM_CartPole_100ep"
//!     .callback(videos)
//!     .callback(mlflow) // after RecordVideos: it ends the run once the last clip is queued
//!     .run(&mut agent, &MetricsStore::in_memory()?)?;
//! println!("{}", summary.lock().unwrap()); // the run, what was sent, retried, not sent
//! # Ok(())
//! # }
//! ```

use super::callback::TrainCallback;
use super::state::{Status, TrainState};
use crate::Result;
use crate::tracker::mlflow::{
    Metric, Mlflow, MlflowClient, Retry, RunStatus, RunTarget, SharedRun, UploadSummary,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// MLflow's longest param value (3.x), in characters.
const MAX_PARAM_VALUE: usize = 6000;
/// MLflow's longest param, metric or tag key.
const MAX_KEY: usize = 250;

/// Logs a training run to an MLflow tracking server: one run, in the
/// experiment named after the [`AnalyticsState`](super::AnalyticsState)'s
/// `project_name`, the run named its `experiment_name` (as
/// [`TrainState::analytics_update`] fills it: `CEM_CartPole_1000ep`), its
/// `tags` the run's tags (each a key with an empty value).
///
/// - At [`Status::Start`] it completes the analytics state
///   ([`TrainState::completed_analytics`]), starts the uploader thread and
///   queues the params: every training, agent and callback setting of the
///   experiment, as stored in the metrics store, keyed by its path
///   (`train.episodes`, `agent.population`, `callbacks.RecordVideos.frequency`).
///   An invalid URI (not `http://`) stops training here, before any work.
/// - At each [`Status::Episode`] it queues the episode's
///   [`EPISODE_SCALARS`](super::EPISODE_SCALARS) and losses as the store
///   has them ([`EpisodeRow::scalars`](super::EpisodeRow::scalars)), at the
///   episode's number (from 1) as the step: the numbers of the SQLite store
///   and of `LogToTensorBoard`.
/// - Clips: give [`clips`](Self::clips) to
///   [`RecordVideosBuilder::mlflow`](super::RecordVideosBuilder::mlflow) and
///   each kept video (with its poster and sidecar, when the gallery wrote
///   them) is uploaded into the same run under `videos/`, as it is
///   finalized.
/// - At [`Status::Complete`] it waits for the uploads (bounded: see
///   [`flush_timeout`](Self::flush_timeout)) and ends the run FINISHED, or
///   FAILED when something was not sent. Add it after `RecordVideos`, whose
///   complete callback records the final clip.
///
/// Nothing here stops or stalls training: queuing is a channel send; the
/// server being down, slow or failing is retried with backoff on the
/// uploader thread, each thing given up on is a warning naming the server
/// and it, and what was still not sent at the end is in the
/// [`summary`](Self::summary) (`not_sent`) and the log, with the run
/// FAILED. A trainer that stops with an error ends the run FAILED when the
/// callback is dropped.
pub struct LogToMlflow {
    uri: String,
    retry: Retry,
    timeout: Duration,
    flush_timeout: Duration,
    run: SharedRun,
    completed: bool,
}

impl std::fmt::Debug for LogToMlflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogToMlflow")
            .field("uri", &self.uri)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("flush_timeout", &self.flush_timeout)
            .finish_non_exhaustive()
    }
}

/// What [`RecordVideos`](super::RecordVideos) needs to upload its clips
/// into a [`LogToMlflow`]'s run ([`LogToMlflow::clips`]).
#[derive(Debug, Clone)]
pub struct MlflowClips {
    run: SharedRun,
}

impl MlflowClips {
    /// The observer for a recorder's clips: videos only (the episodes'
    /// metrics come from the metrics store), into the shared run.
    pub fn observer(&self) -> Mlflow {
        Mlflow::on_run(self.run.clone()).episodes(false)
    }
}

impl LogToMlflow {
    /// Logs to the tracking server at `uri` (`http://host:port`).
    pub fn new(uri: impl Into<String>) -> Self {
        LogToMlflow {
            uri: uri.into(),
            retry: Retry::default(),
            timeout: Duration::from_secs(30),
            flush_timeout: Duration::from_secs(120),
            run: SharedRun::new(),
            completed: false,
        }
    }

    /// How failed calls are tried again (default [`Retry::default`]).
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The timeout of each HTTP call (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the end of training may wait for the uploads (default
    /// 120 s): no call starts after it but the run's end, so it waits at
    /// most this plus two call timeouts, and about one retry budget when
    /// the server is gone ([`Uploader::flush`](crate::tracker::mlflow::Uploader::flush)).
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.flush_timeout = timeout;
        self
    }

    /// The handle for [`RecordVideosBuilder::mlflow`](super::RecordVideosBuilder::mlflow).
    pub fn clips(&self) -> MlflowClips {
        MlflowClips {
            run: self.run.clone(),
        }
    }

    /// What was sent, tried again and not sent, kept up to date by the
    /// uploader (its `Display` is the closing report): take it before
    /// giving the callback to the trainer.
    pub fn summary(&self) -> Arc<Mutex<UploadSummary>> {
        self.run.summary()
    }

    fn start(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        let analytics = state.completed_analytics()?;
        let client = MlflowClient::with_timeout(&self.uri, self.timeout)?;
        let mut tags = vec![("mlflow.source.name".to_string(), "gymrec".to_string())];
        for tag in analytics.tags.iter().flatten() {
            tags.push((key(tag), String::new()));
        }
        let run_name = analytics.experiment_name.clone().unwrap_or_default();
        let target = RunTarget {
            experiment: analytics.project_name.clone(),
            run_name: run_name.clone(),
            tags,
        };
        self.run.start(client, target, self.retry)?;
        let settings = state.metrics.experiment(state.experiment_id)?.config;
        self.run.log_params(settings_params(&settings));
        log::info!(
            "MLflow: logging {run_name} to {} (experiment {:?})",
            self.uri,
            analytics.project_name
        );
        Ok(())
    }

    fn episode(&mut self, state: &TrainState<'_>) -> Result<()> {
        let Some(row) = state.stored_episode("MLflow")? else {
            return Ok(());
        };
        let step = row.episode as i64;
        let metrics = row
            .scalars()
            .into_iter()
            .map(|(name, value)| Metric::now(key(&name), value, step))
            .collect();
        self.run.log_metrics(metrics);
        Ok(())
    }

    /// Waits (bounded) for the uploads and ends the run with `status`
    /// (FAILED when something was not sent); each thing not sent is a
    /// warning.
    fn end(&mut self, status: RunStatus) {
        for err in self.run.flush(status, self.flush_timeout) {
            log::warn!("MLflow: {err}");
        }
    }
}

impl TrainCallback for LogToMlflow {
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        match state.status {
            Status::Start => self.start(state),
            Status::Episode => self.episode(state),
            Status::Complete => {
                self.completed = true;
                self.end(RunStatus::Finished);
                Ok(())
            }
            Status::Step | Status::Logging => Ok(()),
        }
    }

    fn config(&self) -> (String, serde_json::Value) {
        (
            "LogToMlflow".into(),
            serde_json::json!({ "tracking_uri": self.uri }),
        )
    }

    fn info(&self) -> String {
        format!(
            "'LogToMlflow' enabled. Runs will be logged to the MLflow server at '{}'.",
            self.uri
        )
    }
}

impl Drop for LogToMlflow {
    /// Ends the run when something was queued since it last ended: FAILED
    /// when training did not complete (a trainer that stopped with an
    /// error), else FINISHED (clips queued after the complete callback).
    fn drop(&mut self) {
        if self.run.is_dirty() {
            let status = if self.completed {
                RunStatus::Finished
            } else {
                RunStatus::Failed
            };
            self.end(status);
        }
    }
}

/// `name` as an MLflow key: characters other than letters, digits, `_`,
/// `-`, `.`, ` `, `:` and `/` become `_`, as do empty and relative-path
/// names (`.`, `..`, a leading or doubled `/`); at most 250 characters.
fn key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "_-. :/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(MAX_KEY)
        .collect();
    let normal = !key.is_empty()
        && !key.starts_with('/')
        && !key.ends_with('/')
        && !key.starts_with("..")
        && key != "."
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if !normal {
        key = key.replace(['/', '.'], "_");
        if key.is_empty() {
            key.push('_');
        }
    }
    key
}

/// The scalars of a JSON settings object as MLflow params, keyed by their
/// path (`train.episodes`): strings as themselves, other values as their
/// JSON text (lists too); nulls left out; values cut to MLflow's 6,000
/// characters.
fn settings_params(settings: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
        use serde_json::Value;
        let text = match value {
            Value::Null => return,
            Value::String(s) => s.clone(),
            Value::Object(map) => {
                for (name, inner) in map {
                    let path = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    walk(inner, &path, out);
                }
                return;
            }
            other => other.to_string(),
        };
        let path = if path.is_empty() { "value" } else { path };
        out.push((key(path), text.chars().take(MAX_PARAM_VALUE).collect()));
    }
    let mut out = Vec::new();
    walk(settings, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_what_mlflow_takes() {
        assert_eq!(key("episode/return"), "episode/return");
        assert_eq!(key("CartPole"), "CartPole");
        assert_eq!(key("my tag: v1"), "my tag: v1");
        assert_eq!(key("a+b=c"), "a_b_c");
        assert_eq!(key(""), "_");
        assert_eq!(key(".."), "__");
        assert_eq!(key("/abs"), "_abs");
        assert_eq!(key("a//b"), "a__b");
        assert_eq!(key(&"x".repeat(300)).len(), 250);
    }

    #[test]
    fn settings_become_params_by_path() {
        let settings = serde_json::json!({
            "train": {"episodes": 40, "seed": null, "env": "CartPole-v1"},
            "agent": {"sizes": [4, 2], "elite": 0.2, "greedy": true},
        });
        let mut params = settings_params(&settings);
        params.sort();
        let expected = [
            ("agent.elite", "0.2"),
            ("agent.greedy", "true"),
            ("agent.sizes", "[4,2]"),
            ("train.env", "CartPole-v1"),
            ("train.episodes", "40"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(params, expected);
        let long = serde_json::json!({ "notes": "n".repeat(7000) });
        assert_eq!(settings_params(&long)[0].1.len(), 6000);
    }
}
