//! [`Uploader`]: a thread of its own that sends a run's metrics, params,
//! tags and artifacts to an MLflow server, in order, retrying with
//! exponential backoff, so that whoever queues work never waits on the
//! network.

use super::client::{Metric, MlflowClient, RunInfo, RunStatus, is_retryable};
use crate::{Error, Result};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How a failed call is tried again: up to `attempts` tries in all, waiting
/// `first_delay` after the first failure and twice as long after each next
/// one (at most `max_delay`), and no new try once `max_time` has passed
/// since the first. A refusal (a 4xx answer) is not tried again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    /// Tries in all, at least 1 (default 12: with the waits doubling up to
    /// 8 s, a server that stays away is given up on after `max_time`, which
    /// rides out a restart of an MLflow server, 15 s to a minute here).
    pub attempts: u32,
    /// The wait after the first failure (default 0.5 s).
    pub first_delay: Duration,
    /// The longest wait between two tries (default 8 s).
    pub max_delay: Duration,
    /// No try starts later than this after the first (default 60 s).
    pub max_time: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 12,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_time: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// The wait after failed try number `failed` (1 for the first).
    pub fn delay(&self, failed: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Where a run goes: the experiment's name, the run's name and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTarget {
    /// The experiment's name (created when missing).
    pub experiment: String,
    /// The run's name.
    pub run_name: String,
    /// Tags set as the run is created.
    pub tags: Vec<(String, String)>,
}

/// What an uploader sent, tried again and could not send, so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UploadSummary {
    /// The run's ids, once it was created.
    pub run: Option<RunInfo>,
    /// Metric values sent.
    pub metrics_sent: u64,
    /// Params sent.
    pub params_sent: u64,
    /// Artifacts uploaded, as their artifact paths (`videos/clip.mp4`).
    pub artifacts_sent: Vec<String>,
    /// For each uploaded video file, the time from the video's end
    /// (`RecordedVideo::finished_at`) to its upload's completion, after
    /// which the server lists it.
    pub artifact_delays: Vec<Duration>,
    /// For each uploaded video file, the time from its being queued (the
    /// observer's `video_finished`, once it is encoded) to its upload's
    /// completion: the uploader's own share of `artifact_delays`.
    pub upload_delays: Vec<Duration>,
    /// What needed more than one try and was sent in the end, as
    /// `videos/clip.mp4 (3 tries)`.
    pub retried: Vec<String>,
    /// What was given up on, as `videos/clip.mp4`; each is also an
    /// [`Error::Tracker`] in the flush that gave up on it.
    pub not_sent: Vec<String>,
    /// The status the run was last ended with.
    pub ended: Option<RunStatus>,
}

/// One piece of work for the uploader thread.
#[derive(Debug)]
pub(crate) enum Job {
    /// Metric values.
    Metrics(Vec<Metric>),
    /// Params and tags.
    Params(Vec<(String, String)>, Vec<(String, String)>),
    /// A local file, uploaded as `artifact` (`videos/<file>`); `video_end`
    /// when it is a video (for the delay figures), and when it was queued.
    Artifact {
        file: PathBuf,
        artifact: String,
        video_end: Option<SystemTime>,
        queued: Instant,
    },
}

impl Job {
    fn describe(&self) -> String {
        match self {
            Job::Metrics(m) => format!("{} metric values", m.len()),
            Job::Params(p, t) => format!("{} params and {} tags", p.len(), t.len()),
            Job::Artifact { artifact, .. } => artifact.clone(),
        }
    }
}

enum Message {
    Job(Job),
    /// Send everything queued, try again what failed, end the run with
    /// `status` (or FAILED when something was not sent) and answer with
    /// the errors of what was given up on.
    Flush(RunStatus, Sender<Vec<Error>>),
}

/// A thread that sends jobs to one MLflow run, in order (see the
/// [`mlflow`](crate::tracker::mlflow) docs). The run is created at the first job. Queuing
/// never blocks; [`flush`](Self::flush) waits, at most its timeout.
#[derive(Debug)]
pub struct Uploader {
    server: String,
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
    summary: Arc<Mutex<UploadSummary>>,
    /// Jobs queued since the last flush.
    dirty: bool,
}

impl Uploader {
    /// Starts the thread; nothing is sent before the first job.
    pub fn start(client: MlflowClient, target: RunTarget, retry: Retry) -> Result<Self> {
        Self::start_with(client, target, retry, Arc::default())
    }

    /// As [`start`](Self::start), keeping the summary in `summary`.
    pub(crate) fn start_with(
        client: MlflowClient,
        target: RunTarget,
        retry: Retry,
        summary: Arc<Mutex<UploadSummary>>,
    ) -> Result<Self> {
        let server = client.uri().to_string();
        let (tx, rx) = mpsc::channel();
        let worker = Worker {
            client,
            target,
            retry: Retry {
                attempts: retry.attempts.max(1),
                ..retry
            },
            run: None,
            down: false,
            failed: VecDeque::new(),
            summary: summary.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("gymrec-mlflow".into())
            .spawn(move || worker.run(rx))
            .map_err(|source| Error::Tracker {
                server: server.clone(),
                what: "cannot start the uploader thread".into(),
                source: Some(Box::new(source)),
            })?;
        Ok(Uploader {
            server,
            tx: Some(tx),
            thread: Some(thread),
            summary,
            dirty: false,
        })
    }

    /// Queues a job; never blocks.
    pub(crate) fn send(&mut self, job: Job) {
        self.dirty = true;
        let what = job.describe();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Message::Job(job)).is_ok());
        if !sent {
            log::warn!(
                "{}: {what} not sent: the uploader thread has stopped",
                self.server
            );
        }
    }

    /// What was sent and what was not, so far; shared with the thread.
    pub fn summary(&self) -> Arc<Mutex<UploadSummary>> {
        self.summary.clone()
    }

    /// Whether jobs were queued since the last flush.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Waits until everything queued is sent or given up on, tries again
    /// what was given up on earlier, and ends the run with `status` (FAILED
    /// when something was not sent): at most `timeout`. Returns an error
    /// per thing not sent (and one when the timeout passed first).
    pub fn flush(&mut self, status: RunStatus, timeout: Duration) -> Vec<Error> {
        self.dirty = false;
        let Some(tx) = &self.tx else {
            return Vec::new();
        };
        let (reply_tx, reply_rx) = mpsc::channel();
        if tx.send(Message::Flush(status, reply_tx)).is_err() {
            return vec![self.error("the uploader thread has stopped; nothing more is sent")];
        }
        match reply_rx.recv_timeout(timeout) {
            Ok(errors) => errors,
            Err(RecvTimeoutError::Timeout) => vec![self.error(&format!(
                "uploads still under way after {:.0} s; they go on in the background until the \
                 process exits (raise the flush timeout to wait for them)",
                timeout.as_secs_f64()
            ))],
            Err(RecvTimeoutError::Disconnected) => {
                vec![self.error("the uploader thread stopped before it finished")]
            }
        }
    }

    fn error(&self, what: &str) -> Error {
        Error::Tracker {
            server: self.server.clone(),
            what: what.to_string(),
            source: None,
        }
    }
}

impl Drop for Uploader {
    /// Closes the queue and waits for the thread when it has nothing left
    /// (a flush ran); else leaves it to finish in the background.
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            if thread.is_finished() || !self.dirty {
                let _ = thread.join();
            }
        }
    }
}

/// The uploader thread's state.
struct Worker {
    client: MlflowClient,
    target: RunTarget,
    retry: Retry,
    run: Option<RunInfo>,
    /// The server failed a whole retry budget and has not answered since:
    /// jobs get one try each until one succeeds.
    down: bool,
    /// Jobs given up on since the last flush, tried again when the server
    /// answers again and at the next flush.
    failed: VecDeque<(Job, Error)>,
    summary: Arc<Mutex<UploadSummary>>,
}

impl Worker {
    fn run(mut self, rx: Receiver<Message>) {
        let mut next = None;
        while let Some(message) = next.take().or_else(|| rx.recv().ok()) {
            match message {
                Message::Job(Job::Metrics(mut metrics)) => {
                    // Metrics queued meanwhile go in the same call.
                    while let Ok(more) = rx.try_recv() {
                        match more {
                            Message::Job(Job::Metrics(m)) => metrics.extend(m),
                            other => {
                                next = Some(other);
                                break;
                            }
                        }
                    }
                    self.handle(Job::Metrics(metrics));
                }
                Message::Job(job) => self.handle(job),
                Message::Flush(status, reply) => {
                    let errors = self.flush(status);
                    let _ = reply.send(errors);
                }
            }
        }
    }

    fn summary(&self) -> std::sync::MutexGuard<'_, UploadSummary> {
        self.summary.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a job with retries; a job given up on waits in `failed`.
    fn handle(&mut self, job: Job) {
        match self.send_with_retries(&job) {
            Ok(()) => {
                if self.down {
                    self.down = false;
                }
                // The server answers again: what failed goes again.
                let failed: Vec<(Job, Error)> = self.failed.drain(..).collect();
                for (job, _) in failed {
                    if let Err(err) = self.send_with_retries(&job) {
                        self.give_up(job, err);
                    }
                }
            }
            Err(err) => self.give_up(job, err),
        }
    }

    fn give_up(&mut self, job: Job, err: Error) {
        log::warn!("{err} (kept, to be tried again)");
        if was_outage(&err) {
            self.down = true;
        }
        self.failed.push_back((job, err));
    }

    /// Tries `job` as the retry policy says (once while the server is
    /// down); the last error when every try failed.
    fn send_with_retries(&mut self, job: &Job) -> Result<()> {
        self.with_retries(&job.describe(), |w| w.send_once(job))
    }

    /// Calls `call` as the retry policy says (once while the server is
    /// down): its error, naming `what` and the tries, when every try failed.
    fn with_retries(
        &mut self,
        what: &str,
        mut call: impl FnMut(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let started = Instant::now();
        let attempts = if self.down { 1 } else { self.retry.attempts };
        let mut tries = 0;
        loop {
            tries += 1;
            match call(self) {
                Ok(()) => {
                    if tries > 1 {
                        log::info!("{}: {what} sent after {tries} tries", self.client.uri());
                        self.summary()
                            .retried
                            .push(format!("{what} ({tries} tries)"));
                    }
                    return Ok(());
                }
                Err(err) => {
                    let delay = self.retry.delay(tries);
                    let out_of_time = started.elapsed() + delay > self.retry.max_time;
                    if !is_retryable(&err) || tries >= attempts || out_of_time {
                        let retryable = is_retryable(&err);
                        return Err(Error::Tracker {
                            server: self.client.uri().to_string(),
                            what: format!(
                                "{what} not sent after {tries} {}{}",
                                if tries == 1 { "try" } else { "tries" },
                                if retryable {
                                    "; check that the server is up"
                                } else {
                                    ""
                                }
                            ),
                            source: Some(Box::new(Retryable(retryable, err))),
                        });
                    }
                    log::debug!("{err}; trying again in {:.1} s", delay.as_secs_f64());
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// The run, created when there is none yet.
    fn ensure_run(&mut self) -> Result<RunInfo> {
        if let Some(run) = &self.run {
            return Ok(run.clone());
        }
        let experiment = self.client.experiment_id(&self.target.experiment)?;
        let run = self.client.create_run(
            &experiment,
            &self.target.run_name,
            now_ms(),
            &self.target.tags,
        )?;
        log::info!(
            "{}: run {:?} ({}) in experiment {:?} ({})",
            self.client.uri(),
            self.target.run_name,
            run.run_id,
            self.target.experiment,
            run.experiment_id
        );
        self.summary().run = Some(run.clone());
        self.run = Some(run.clone());
        Ok(run)
    }

    fn send_once(&mut self, job: &Job) -> Result<()> {
        let run = self.ensure_run()?;
        match job {
            Job::Metrics(metrics) => {
                self.client.log_batch(&run.run_id, metrics, &[], &[])?;
                self.summary().metrics_sent += metrics.len() as u64;
            }
            Job::Params(params, tags) => {
                self.client.log_batch(&run.run_id, &[], params, tags)?;
                self.summary().params_sent += params.len() as u64;
            }
            Job::Artifact {
                file,
                artifact,
                video_end,
                queued,
            } => {
                let bytes = std::fs::read(file).map_err(|source| Error::Io {
                    path: file.clone(),
                    source,
                })?;
                self.client.upload_artifact(&run, artifact, &bytes)?;
                let mut summary = self.summary();
                summary.artifacts_sent.push(artifact.clone());
                if let Some(end) = video_end {
                    summary
                        .artifact_delays
                        .push(SystemTime::now().duration_since(*end).unwrap_or_default());
                    summary.upload_delays.push(queued.elapsed());
                }
            }
        }
        Ok(())
    }

    /// Tries again what failed (each with a fresh retry budget, the first
    /// failure making the rest one try each), ends the run, and returns an
    /// error per job still not sent.
    fn flush(&mut self, status: RunStatus) -> Vec<Error> {
        self.down = false;
        let failed: Vec<(Job, Error)> = self.failed.drain(..).collect();
        let mut errors = Vec::new();
        for (job, _) in failed {
            if let Err(err) = self.send_with_retries(&job) {
                if was_outage(&err) {
                    self.down = true;
                }
                self.summary().not_sent.push(job.describe());
                errors.push(err);
            }
        }
        if let Some(run) = self.run.clone() {
            let status = if errors.is_empty() {
                status
            } else {
                RunStatus::Failed
            };
            let what = format!("the run's end ({})", status.as_str());
            match self.with_retries(&what, |w| {
                w.client.update_run(&run.run_id, status, now_ms())
            }) {
                Ok(()) => self.summary().ended = Some(status),
                Err(err) => errors.push(err),
            }
        }
        self.down = false;
        errors
    }
}

/// A given-up call's last error, and whether it was an outage (worth
/// trying again later) rather than a refusal.
#[derive(Debug)]
struct Retryable(bool, Error);

impl std::fmt::Display for Retryable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.1.fmt(f)
    }
}

impl std::error::Error for Retryable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.1)
    }
}

/// Whether a given-up call failed for an outage.
fn was_outage(err: &Error) -> bool {
    match err {
        Error::Tracker {
            source: Some(source),
            ..
        } => source.downcast_ref::<Retryable>().is_some_and(|r| r.0),
        _ => false,
    }
}

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let retry = Retry::default();
        let delays: Vec<u64> = (1..=7).map(|n| retry.delay(n).as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(retry.delay(100), Duration::from_secs(8));
    }
}
