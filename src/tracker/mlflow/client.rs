//! [`MlflowClient`]: the MLflow tracking server's REST calls gymrec needs
//! (experiments, runs, batched metrics/params/tags, artifact uploads, the
//! run's end), blocking, over plain HTTP.

use crate::{Error, Result};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// The most metrics one `runs/log-batch` call may carry (MLflow's limit).
pub const MAX_METRICS_PER_BATCH: usize = 1000;
/// The most params one `runs/log-batch` call may carry.
pub const MAX_PARAMS_PER_BATCH: usize = 100;
/// The most tags one `runs/log-batch` call may carry.
pub const MAX_TAGS_PER_BATCH: usize = 100;
/// The most metrics, params and tags together one `runs/log-batch` call
/// may carry.
pub const MAX_ENTITIES_PER_BATCH: usize = 1000;

/// One metric value: `key` at `step`, logged at `timestamp_ms` (Unix
/// milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The metric's name, as `episode/return`.
    pub key: String,
    /// Its value (must be finite).
    pub value: f64,
    /// When it was measured, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The step (an episode id) it belongs to.
    pub step: i64,
}

impl Metric {
    /// `key` = `value` at `step`, timestamped now. A metric keeps its
    /// timestamp when it is sent again, so a retried `runs/log-batch`
    /// whose first try did reach the server logs nothing twice on a
    /// database-backed server (MLflow's metric key is key, step,
    /// timestamp and value).
    pub fn now(key: impl Into<String>, value: f64, step: i64) -> Self {
        Metric {
            key: key.into(),
            value,
            timestamp_ms: super::uploader::now_ms(),
            step,
        }
    }
}

/// A run's status, as `runs/update` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Ended with everything sent.
    Finished,
    /// Ended with something not sent (or a failed recording).
    Failed,
    /// Stopped by the user.
    Killed,
}

impl RunStatus {
    /// The name MLflow gives it: `RUNNING`, `FINISHED`, `FAILED`, `KILLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Killed => "KILLED",
        }
    }
}

/// A run as created: its ids and where its artifacts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The run's id.
    pub run_id: String,
    /// Its experiment's id.
    pub experiment_id: String,
    /// The run's artifact root under the server's `mlflow-artifacts` API,
    /// as `1/<run_id>/artifacts` (from the run's `artifact_uri`).
    pub artifact_path: String,
}

/// A non-2xx answer of the server: its status and MLflow's error body.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}: {body}")]
pub struct HttpStatus {
    /// The HTTP status code.
    pub status: u16,
    /// The answer's body (MLflow's `{"error_code", "message"}`), cut to 500
    /// characters.
    pub body: String,
}

/// A blocking client of one MLflow tracking server.
///
/// Every call is one HTTP request with a timeout; a failure is an
/// [`Error::Tracker`] naming the server and the call, whose source is the
/// transport error or an [`HttpStatus`]. [`is_retryable`] tells a failure
/// worth trying again (no answer, a timeout, a 5xx or 429) from a refusal.
#[derive(Debug, Clone)]
pub struct MlflowClient {
    base: String,
    agent: ureq::Agent,
    timeout: Duration,
}

impl MlflowClient {
    /// A client of the server at `uri` (`http://host:port`, optionally with
    /// a path prefix), with a 30 s timeout per call.
    ///
    /// Errors with [`Error::Tracker`] when `uri` is not an `http://` URI
    /// (this build speaks plain HTTP; put an https server behind a local
    /// proxy).
    pub fn new(uri: &str) -> Result<Self> {
        Self::with_timeout(uri, Duration::from_secs(30))
    }

    /// As [`new`](Self::new), with `timeout` for each call (connecting,
    /// sending and receiving together).
    pub fn with_timeout(uri: &str, timeout: Duration) -> Result<Self> {
        let base = uri.trim_end_matches('/').to_string();
        let rest = base.strip_prefix("http://").ok_or_else(|| Error::Tracker {
            server: uri.to_string(),
            what: "is not an http:// tracking URI; give one as http://HOST:PORT (this build \
                   speaks plain HTTP: put an https server behind a local proxy)"
                .into(),
            source: None,
        })?;
        if rest.is_empty() {
            return Err(Error::Tracker {
                server: uri.to_string(),
                what: "has no host; give the tracking URI as http://HOST:PORT".into(),
                source: None,
            });
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(5))))
            .user_agent(concat!("gymrec/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(MlflowClient {
            base,
            agent,
            timeout,
        })
    }

    /// The server's URI, as given (without a trailing `/`).
    pub fn uri(&self) -> &str {
        &self.base
    }

    /// The timeout of each call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The id of the experiment `name`, created when there is none
    /// (`GET experiments/get-by-name`, else `POST experiments/create`).
    pub fn experiment_id(&self, name: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Found {
            experiment: Experiment,
        }
        #[derive(Deserialize)]
        struct Experiment {
            experiment_id: String,
        }
        #[derive(Deserialize)]
        struct Created {
            experiment_id: String,
        }
        let what = format!("experiment {name:?}");
        let url = format!(
            "{}/api/2.0/mlflow/experiments/get-by-name?experiment_name={}",
            self.base,
            query_escape(name)
        );
        let answer = self.agent.get(&url).call();
        match self.answer(answer, &what) {
            Ok(body) => {
                return Ok(parse::<Found>(&body, &self.base, &what)?
                    .experiment
                    .experiment_id);
            }
            Err(err) if status_of(&err) == Some(404) => {}
            Err(err) => return Err(err),
        }
        let created = self.post("experiments/create", &json!({ "name": name }), &what);
        match created {
            Ok(body) => Ok(parse::<Created>(&body, &self.base, &what)?.experiment_id),
            // Created meanwhile by another process: look it up again.
            Err(err) if status_of(&err) == Some(400) => {
                let answer = self.agent.get(&url).call();
                let body = self.answer(answer, &what)?;
                Ok(parse::<Found>(&body, &self.base, &what)?
                    .experiment
                    .experiment_id)
            }
            Err(err) => Err(err),
        }
    }

    /// Creates a run named `run_name` in experiment `experiment_id`,
    /// started at `start_time_ms`, with `tags` (`POST runs/create`).
    pub fn create_run(
        &self,
        experiment_id: &str,
        run_name: &str,
        start_time_ms: i64,
        tags: &[(String, String)],
    ) -> Result<RunInfo> {
        #[derive(Deserialize)]
        struct Created {
            run: Run,
        }
        #[derive(Deserialize)]
        struct Run {
            info: Info,
        }
        #[derive(Deserialize)]
        struct Info {
            run_id: String,
            experiment_id: String,
            #[serde(default)]
            artifact_uri: String,
        }
        let what = format!("run {run_name:?}");
        let body = self.post(
            "runs/create",
            &create_run_body(experiment_id, run_name, start_time_ms, tags),
            &what,
        )?;
        let info = parse::<Created>(&body, &self.base, &what)?.run.info;
        let artifact_path = artifact_path(&info.artifact_uri, &info.experiment_id, &info.run_id);
        Ok(RunInfo {
            run_id: info.run_id,
            experiment_id: info.experiment_id,
            artifact_path,
        })
    }

    /// Logs `metrics`, `params` and `tags` to run `run_id` in as few
    /// `POST runs/log-batch` calls as MLflow's limits allow
    /// ([`log_batch_bodies`]). Non-finite metric values are left out with a
    /// warning (MLflow's JSON has no NaN).
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[Metric],
        params: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<()> {
        for body in log_batch_bodies(run_id, metrics, params, tags) {
            self.post("runs/log-batch", &body, "metrics, params and tags")?;
        }
        Ok(())
    }

    /// Uploads `bytes` as the artifact `path` (as `videos/clip.mp4`) of
    /// `run` (`PUT mlflow-artifacts/artifacts/<artifact_path>/<path>`).
    pub fn upload_artifact(&self, run: &RunInfo, path: &str, bytes: &[u8]) -> Result<()> {
        let url = format!(
            "{}/api/2.0/mlflow-artifacts/artifacts/{}/{}",
            self.base,
            path_escape(&run.artifact_path),
            path_escape(path)
        );
        let answer = self
            .agent
            .put(&url)
            .content_type("application/octet-stream")
            .send(bytes);
        self.answer(answer, path).map(|_| ())
    }

    /// Sets run `run_id`'s status, and its end time when it ended
    /// (`POST runs/update`).
    pub fn update_run(&self, run_id: &str, status: RunStatus, end_time_ms: i64) -> Result<()> {
        let mut body = json!({ "run_id": run_id, "status": status.as_str() });
        if status != RunStatus::Running {
            body["end_time"] = json!(end_time_ms);
        }
        self.post("runs/update", &body, "the run's status")
            .map(|_| ())
    }

    /// `POST /api/2.0/mlflow/<call>` with a JSON body; the answer's body.
    fn post(&self, call: &str, body: &Value, what: &str) -> Result<String> {
        let url = format!("{}/api/2.0/mlflow/{call}", self.base);
        let answer = self
            .agent
            .post(&url)
            .content_type("application/json")
            .send(body.to_string().as_bytes());
        self.answer(answer, what)
    }

    /// A 2xx answer's body, else an [`Error::Tracker`] about `what`.
    fn answer(
        &self,
        answer: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        what: &str,
    ) -> Result<String> {
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| Error::Tracker {
            server: self.base.clone(),
            what: format!("{what} not sent"),
            source: Some(source),
        };
        let mut response = answer.map_err(|e| fail(Box::new(e)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| fail(Box::new(e)))?;
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            let body: String = body.chars().take(500).collect();
            Err(fail(Box::new(HttpStatus { status, body })))
        }
    }
}

/// Whether a failed call is worth trying again: the server did not answer
/// (refused, reset, timed out) or answered 5xx or 429. A refusal (another
/// 4xx) and errors that are not the tracker's are not.
pub fn is_retryable(err: &Error) -> bool {
    let Error::Tracker {
        source: Some(source),
        ..
    } = err
    else {
        return false;
    };
    match source.downcast_ref::<HttpStatus>() {
        Some(http) => http.status >= 500 || http.status == 429,
        None => source.downcast_ref::<ureq::Error>().is_some(),
    }
}

/// The HTTP status of a tracker error, when the server answered.
fn status_of(err: &Error) -> Option<u16> {
    match err {
        Error::Tracker {
            source: Some(source),
            ..
        } => source.downcast_ref::<HttpStatus>().map(|h| h.status),
        _ => None,
    }
}

/// An answer's JSON as `T`, else an [`Error::Tracker`].
fn parse<T: for<'de> Deserialize<'de>>(body: &str, server: &str, what: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::Tracker {
        server: server.to_string(),
        what: format!("{what}: the server's answer is not what MLflow sends: {body:.200}"),
        source: Some(Box::new(e)),
    })
}

/// The body of `runs/create`.
pub(crate) fn create_run_body(
    experiment_id: &str,
    run_name: &str,
    start_time_ms: i64,
    tags: &[(String, String)],
) -> Value {
    json!({
        "experiment_id": experiment_id,
        "run_name": run_name,
        "start_time": start_time_ms,
        "tags": key_values(tags),
    })
}

/// The bodies of the `runs/log-batch` calls that log `metrics`, `params`
/// and `tags` to `run_id`: each with at most [`MAX_METRICS_PER_BATCH`]
/// metrics, [`MAX_PARAMS_PER_BATCH`] params, [`MAX_TAGS_PER_BATCH`] tags
/// and [`MAX_ENTITIES_PER_BATCH`] in all (params and tags first, metrics
/// filling the rest), in order; none when there is nothing to log. Non-finite
/// metrics are left out (with a warning).
pub fn log_batch_bodies(
    run_id: &str,
    metrics: &[Metric],
    params: &[(String, String)],
    tags: &[(String, String)],
) -> Vec<Value> {
    let finite: Vec<&Metric> = metrics
        .iter()
        .filter(|m| {
            let ok = m.value.is_finite();
            if !ok {
                log::warn!(
                    "metric {} = {} at step {} not logged: MLflow takes finite numbers only",
                    m.key,
                    m.value,
                    m.step
                );
            }
            ok
        })
        .collect();
    let (mut m, mut p, mut t) = (&finite[..], params, tags);
    let mut bodies = Vec::new();
    while !(m.is_empty() && p.is_empty() && t.is_empty()) {
        let (params, rest) = p.split_at(p.len().min(MAX_PARAMS_PER_BATCH));
        p = rest;
        let (tags, rest) = t.split_at(t.len().min(MAX_TAGS_PER_BATCH));
        t = rest;
        let room = MAX_ENTITIES_PER_BATCH - params.len() - tags.len();
        let (metrics, rest) = m.split_at(m.len().min(room).min(MAX_METRICS_PER_BATCH));
        m = rest;
        let metrics: Vec<Value> = metrics
            .iter()
            .map(|m| {
                json!({"key": m.key, "value": m.value, "timestamp": m.timestamp_ms, "step": m.step})
            })
            .collect();
        bodies.push(json!({
            "run_id": run_id,
            "metrics": metrics,
            "params": key_values(params),
            "tags": key_values(tags),
        }));
    }
    bodies
}

/// `[{"key", "value"}, …]`.
fn key_values(pairs: &[(String, String)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

/// The run's artifact root under the `mlflow-artifacts` API: the part of
/// `mlflow-artifacts:/1/<run>/artifacts` (or `mlflow-artifacts://host/…`)
/// after the scheme and authority; `<experiment>/<run>/artifacts` when the
/// URI is of another kind (the server's default layout).
pub(crate) fn artifact_path(artifact_uri: &str, experiment_id: &str, run_id: &str) -> String {
    let path = artifact_uri
        .strip_prefix("mlflow-artifacts://")
        .map(|rest| rest.split_once('/').map_or("", |(_, p)| p))
        .or_else(|| artifact_uri.strip_prefix("mlflow-artifacts:"));
    match path.map(|p| p.trim_matches('/')) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => format!("{experiment_id}/{run_id}/artifacts"),
    }
}

/// Percent-encodes what a URL path segment may not hold, keeping `/`.
fn path_escape(path: &str) -> String {
    escape(path, |b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// Percent-encodes a query value.
fn query_escape(value: &str) -> String {
    escape(value, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn escape(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(i: usize) -> Metric {
        Metric {
            key: "episode/return".into(),
            value: i as f64,
            timestamp_ms: 1_700_000_000_000,
            step: i as i64,
        }
    }

    fn pairs(n: usize, prefix: &str) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("{prefix}{i}"), i.to_string()))
            .collect()
    }

    #[test]
    fn log_batch_bodies_respect_mlflows_limits() {
        let metrics: Vec<Metric> = (0..2500).map(metric).collect();
        let bodies = log_batch_bodies("r1", &metrics, &pairs(150, "p"), &pairs(5, "t"));
        let counts: Vec<(usize, usize, usize)> = bodies
            .iter()
            .map(|b| {
                let n = |k: &str| b[k].as_array().unwrap().len();
                (n("metrics"), n("params"), n("tags"))
            })
            .collect();
        // At most 1,000 entities a call (the server refuses 1,100).
        assert_eq!(counts, [(895, 100, 5), (950, 50, 0), (655, 0, 0)]);
        assert_eq!(bodies[0]["run_id"], "r1");
        assert_eq!(
            bodies[2]["metrics"][654],
            json!({"key": "episode/return", "value": 2499.0, "timestamp": 1_700_000_000_000i64, "step": 2499})
        );
        assert_eq!(
            bodies[1]["params"][0],
            json!({"key": "p100", "value": "100"})
        );
        assert!(log_batch_bodies("r1", &[], &[], &[]).is_empty());
        let counts: Vec<usize> = log_batch_bodies("r", &metrics, &[], &[])
            .iter()
            .map(|b| b["metrics"].as_array().unwrap().len())
            .collect();
        assert_eq!(counts, [1000, 1000, 500]);
    }

    #[test]
    fn non_finite_metrics_are_left_out() {
        let mut metrics = vec![metric(1), metric(2)];
        metrics[0].value = f64::NAN;
        let bodies = log_batch_bodies("r", &metrics, &[], &[]);
        assert_eq!(bodies[0]["metrics"].as_array().unwrap().len(), 1);
        assert_eq!(bodies[0]["metrics"][0]["step"], 2);
    }

    #[test]
    fn create_run_body_has_mlflows_fields() {
        let body = create_run_body("3", "CartPole-v1", 42, &pairs(1, "k"));
        assert_eq!(
            body,
            json!({"experiment_id": "3", "run_name": "CartPole-v1", "start_time": 42,
                   "tags": [{"key": "k0", "value": "0"}]})
        );
    }

    #[test]
    fn artifact_paths_come_from_the_runs_uri() {
        assert_eq!(
            artifact_path("mlflow-artifacts:/1/abc/artifacts", "1", "abc"),
            "1/abc/artifacts"
        );
        assert_eq!(
            artifact_path("mlflow-artifacts://host:5000/7/r/artifacts", "7", "r"),
            "7/r/artifacts"
        );
        assert_eq!(
            artifact_path("/srv/mlruns/1/abc/artifacts", "1", "abc"),
            "1/abc/artifacts"
        );
        assert_eq!(artifact_path("", "2", "x"), "2/x/artifacts");
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(path_escape("videos/a b#1.mp4"), "videos/a%20b%231.mp4");
        assert_eq!(query_escape("my exp/1&x"), "my%20exp%2F1%26x");
    }

    #[test]
    fn only_http_uris_are_taken() {
        for uri in [
            "https://example.com",
            "file:///tmp/mlruns",
            "localhost:5000",
            "http://",
        ] {
            let err = MlflowClient::new(uri).unwrap_err();
            assert!(matches!(err, Error::Tracker { .. }), "{uri}: {err}");
            assert!(err.to_string().starts_with(uri), "{err}");
        }
        assert_eq!(
            MlflowClient::new("http://127.0.0.1:5000/").unwrap().uri(),
            "http://127.0.0.1:5000"
        );
    }

    #[test]
    fn refusals_are_not_retried_but_outages_are() {
        let err = |status| Error::Tracker {
            server: "s".into(),
            what: "w".into(),
            source: Some(Box::new(HttpStatus {
                status,
                body: String::new(),
            })),
        };
        assert!(is_retryable(&err(503)));
        assert!(is_retryable(&err(429)));
        assert!(!is_retryable(&err(400)));
        assert!(!is_retryable(&err(404)));
        assert!(!is_retryable(&Error::NoEpisodes));
    }
}
