//! [`SharedRun`]: one MLflow run that several senders feed, through one
//! [`Uploader`] thread: a training callback's metrics and the recorders'
//! videos go into the same run.

use super::client::{Metric, MlflowClient, RunStatus};
use super::uploader::{Job, Retry, RunTarget, UploadSummary, Uploader};
use crate::{Error, Result};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A handle on one MLflow run, cloned into everything that sends to it:
/// whoever [`start`](Self::start)s it owns the run's end
/// ([`flush`](Self::flush)); observers made with
/// [`Mlflow::on_run`](super::Mlflow::on_run) only queue into it. Until it
/// is started, what is queued is dropped with a warning.
#[derive(Debug, Clone, Default)]
pub struct SharedRun {
    uploader: Arc<OnceLock<Uploader>>,
    summary: Arc<Mutex<UploadSummary>>,
}

impl SharedRun {
    /// A run not started yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the uploader thread for the run `target` on `client`'s
    /// server (nothing is sent before the first job). Errors when it was
    /// started already, or the thread cannot start.
    pub fn start(&self, client: MlflowClient, target: RunTarget, retry: Retry) -> Result<()> {
        let server = client.uri().to_string();
        let uploader = Uploader::start_with(client, target, retry, self.summary.clone())?;
        self.uploader.set(uploader).map_err(|_| Error::Tracker {
            server,
            what: "the run was started already; start a SharedRun once".into(),
            source: None,
        })
    }

    /// Whether [`start`](Self::start) was called.
    pub fn is_started(&self) -> bool {
        self.uploader.get().is_some()
    }

    /// What was sent, tried again and not sent, so far.
    pub fn summary(&self) -> Arc<Mutex<UploadSummary>> {
        self.summary.clone()
    }

    /// Whether jobs were queued since the last flush.
    pub fn is_dirty(&self) -> bool {
        self.uploader.get().is_some_and(Uploader::is_dirty)
    }

    /// Queues metric values for the run; false (and nothing queued) when
    /// it is not started. Never blocks.
    pub fn log_metrics(&self, metrics: Vec<Metric>) -> bool {
        self.send(Job::Metrics(metrics))
    }

    /// Queues params (name, value) for the run; false (and nothing queued)
    /// when it is not started. Never blocks.
    pub fn log_params(&self, params: Vec<(String, String)>) -> bool {
        self.send(Job::Params(params, Vec::new()))
    }

    /// Queues `job`; false (and nothing queued) when the run is not
    /// started.
    pub(crate) fn send(&self, job: Job) -> bool {
        match self.uploader.get() {
            Some(uploader) => {
                uploader.send(job);
                true
            }
            None => false,
        }
    }

    /// [`Uploader::flush`]: waits (bounded by `timeout`) for what was
    /// queued, ends the run with `status` (FAILED when something was not
    /// sent) and returns an error per thing not sent. Nothing when the run
    /// was not started.
    pub fn flush(&self, status: RunStatus, timeout: Duration) -> Vec<Error> {
        match self.uploader.get() {
            Some(uploader) => uploader.flush(status, timeout),
            None => Vec::new(),
        }
    }
}
