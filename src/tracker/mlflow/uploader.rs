//! [`Uploader`]: a thread of its own that sends a run's metrics, params,
//! tags and artifacts to an MLflow server, in order, retrying with
//! exponential backoff, so that whoever queues work never waits on the
//! network.

use super::client::{Metric, MlflowClient, RunInfo, RunStatus, is_retryable};
use crate::{Error, Result};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
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

impl UploadSummary {
    /// The median of [`artifact_delays`](Self::artifact_delays): from a
    /// video's end to its artifact being listed.
    pub fn median_artifact_delay(&self) -> Option<Duration> {
        median(&self.artifact_delays)
    }
}

/// The median of `delays` (the upper one of an even count).
fn median(delays: &[Duration]) -> Option<Duration> {
    let mut sorted = delays.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied()
}

impl std::fmt::Display for UploadSummary {
    /// A line on the run (`run <id> in experiment <id> FINISHED: 24 metric
    /// values, 9 params, 6 artifacts (videos listed a median 310 ms after
    /// they ended, 40 ms after they were encoded and queued); 0 retried, 0
    /// not sent`, or `no run created`), then a `retried: <what>` line per
    /// thing retried and a `not sent: <what>` line per thing not sent.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(run) = &self.run else {
            return f.write_str("no run created");
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let delays = match (median(&self.artifact_delays), median(&self.upload_delays)) {
            (Some(end), Some(queued)) => format!(
                " (videos listed a median {:.0} ms after they ended, {:.0} ms after they were \
                 encoded and queued)",
                ms(end),
                ms(queued)
            ),
            _ => String::new(),
        };
        write!(
            f,
            "run {} in experiment {} {}: {} metric values, {} params, {} artifacts{delays}; {} \
             retried, {} not sent",
            run.run_id,
            run.experiment_id,
            self.ended.map_or("RUNNING", RunStatus::as_str),
            self.metrics_sent,
            self.params_sent,
            self.artifacts_sent.len(),
            self.retried.len(),
            self.not_sent.len(),
        )?;
        for what in &self.retried {
            write!(f, "\nretried: {what}")?;
        }
        for what in &self.not_sent {
            write!(f, "\nnot sent: {what}")?;
        }
        Ok(())
    }
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
    /// What the job sends, for messages.
    pub(crate) fn describe(&self) -> String {
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
    /// the errors of what was given up on; no call but the run's end
    /// starts after the deadline.
    Flush(RunStatus, Instant, Sender<Vec<Error>>),
}

/// The time after which the uploader thread starts no call but the run's
/// end, set by [`Uploader::flush`] (so that the jobs queued before the
/// flush are bounded by it too), cleared by the thread when that flush is
/// done.
type Deadline = Arc<Mutex<Option<Instant>>>;

/// A thread that sends jobs to one MLflow run, in order (see the
/// [`mlflow`](crate::tracker::mlflow) docs). The run is created at the first job. Queuing
/// never blocks; [`flush`](Self::flush) waits, bounded by its timeout.
#[derive(Debug)]
pub struct Uploader {
    server: String,
    call_timeout: Duration,
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
    summary: Arc<Mutex<UploadSummary>>,
    deadline: Deadline,
    /// Jobs queued since the last flush.
    dirty: AtomicBool,
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
        let call_timeout = client.timeout();
        let (tx, rx) = mpsc::channel();
        let deadline = Deadline::default();
        let worker = Worker {
            client,
            target,
            retry: Retry {
                attempts: retry.attempts.max(1),
                ..retry
            },
            run: None,
            down: None,
            failed: VecDeque::new(),
            summary: summary.clone(),
            deadline: deadline.clone(),
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
            call_timeout,
            tx: Some(tx),
            thread: Some(thread),
            summary,
            deadline,
            dirty: AtomicBool::new(false),
        })
    }

    /// Queues a job; never blocks.
    pub(crate) fn send(&self, job: Job) {
        self.dirty.store(true, Ordering::Relaxed);
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
        self.dirty.load(Ordering::Relaxed)
    }

    /// Waits until everything queued is sent or given up on, tries again
    /// what was given up on earlier, and ends the run with `status` (FAILED
    /// when something was not sent). Returns an error per thing not sent.
    ///
    /// Bounded: no call starts after `timeout` but the run's end (one
    /// try); what is left then is given up on, and once the server has
    /// failed a whole retry budget the rest is given up on without more
    /// tries. So a flush takes at most `timeout` plus two call timeouts
    /// (a call under way at the deadline, the run's end), and about one
    /// retry budget ([`Retry::max_time`], or its tries' backoff when
    /// connections are refused) when the server is gone.
    pub fn flush(&self, status: RunStatus, timeout: Duration) -> Vec<Error> {
        self.dirty.store(false, Ordering::Relaxed);
        let Some(tx) = &self.tx else {
            return Vec::new();
        };
        let deadline = Instant::now() + timeout;
        *lock(&self.deadline) = Some(deadline);
        let (reply_tx, reply_rx) = mpsc::channel();
        if tx.send(Message::Flush(status, deadline, reply_tx)).is_err() {
            return vec![self.error("the uploader thread has stopped; nothing more is sent")];
        }
        let wait = timeout + 2 * self.call_timeout + Duration::from_secs(1);
        match reply_rx.recv_timeout(wait) {
            Ok(errors) => errors,
            Err(RecvTimeoutError::Timeout) => vec![self.error(&format!(
                "uploads still under way after {:.0} s; the rest is given up on",
                wait.as_secs_f64()
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
            if thread.is_finished() || !self.is_dirty() {
                let _ = thread.join();
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server is down: it failed a whole retry budget and has not
/// answered since. Jobs are kept without a try, but for one probe per
/// backoff delay, so an outage costs a call per delay, not per job (a
/// server that hangs costs a call timeout each).
#[derive(Debug, Clone, Copy)]
struct Down {
    /// Failed probes since it went down (the first budget counts one).
    failures: u32,
    /// When the next job may be tried.
    next_probe: Instant,
    /// Jobs kept without a try since it went down.
    kept: u64,
}

/// The uploader thread's state.
struct Worker {
    client: MlflowClient,
    target: RunTarget,
    retry: Retry,
    run: Option<RunInfo>,
    /// Set while the server is down.
    down: Option<Down>,
    /// Jobs given up on (or kept without a try) since the last flush,
    /// tried again when the server answers again and at the next flush;
    /// metric jobs merged.
    failed: VecDeque<Job>,
    summary: Arc<Mutex<UploadSummary>>,
    deadline: Deadline,
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
                Message::Flush(status, deadline, reply) => {
                    let errors = self.flush(status);
                    let mut set = lock(&self.deadline);
                    if *set == Some(deadline) {
                        *set = None;
                    }
                    drop(set);
                    let _ = reply.send(errors);
                }
            }
        }
    }

    fn summary(&self) -> std::sync::MutexGuard<'_, UploadSummary> {
        lock(&self.summary)
    }

    /// Whether a flush's deadline has passed: no call starts but the run's end.
    fn past_deadline(&self) -> bool {
        lock(&self.deadline).is_some_and(|d| Instant::now() >= d)
    }

    /// Sends a job with retries; a job given up on waits in `failed`. While
    /// the server is down, or past a flush's deadline, the job is kept
    /// without a try (but for a probe once a backoff delay).
    fn handle(&mut self, job: Job) {
        let probe_due = self.down.is_none_or(|d| Instant::now() >= d.next_probe);
        if !probe_due || self.past_deadline() {
            if let Some(down) = &mut self.down {
                down.kept += 1;
            }
            log::debug!("{}: {} kept for later", self.client.uri(), job.describe());
            self.keep(job);
            return;
        }
        match self.send_with_retries(&job) {
            Ok(()) => {
                if let Some(down) = self.down.take() {
                    log::warn!(
                        "{}: the server answers again; sending the {} things kept",
                        self.client.uri(),
                        self.failed.len()
                    );
                    log::debug!("{} jobs were kept without a try", down.kept);
                }
                // The server answers again: what failed goes again.
                let failed: Vec<Job> = self.failed.drain(..).collect();
                for job in failed {
                    if self.down.is_some() || self.past_deadline() {
                        self.keep(job);
                    } else if let Err(err) = self.send_with_retries(&job) {
                        self.give_up(job, err);
                    }
                }
            }
            Err(err) => self.give_up(job, err),
        }
    }

    /// Keeps `job` to try again later, merged into the last kept job when
    /// both are metrics.
    fn keep(&mut self, job: Job) {
        if let (Job::Metrics(more), Some(Job::Metrics(last))) = (&job, self.failed.back_mut()) {
            last.extend(more.iter().cloned());
            return;
        }
        self.failed.push_back(job);
    }

    fn give_up(&mut self, job: Job, err: Error) {
        if !was_outage(&err) {
            log::warn!("{err} (kept, to be tried again at the end)");
        } else if let Some(down) = &mut self.down {
            down.failures += 1;
            down.next_probe = Instant::now() + self.retry.delay(down.failures);
            log::debug!("{err} (kept; the server is still down)");
        } else {
            let delay = self.retry.delay(1);
            self.down = Some(Down {
                failures: 1,
                next_probe: Instant::now() + delay,
                kept: 0,
            });
            log::warn!(
                "{err}; kept, with what follows, to be sent once the server answers (tried \
                 again in {:.1} s, then less often, and at the end)",
                delay.as_secs_f64()
            );
        }
        self.keep(job);
    }

    /// Tries `job` as the retry policy says (once while the server is
    /// down); the last error when every try failed.
    fn send_with_retries(&mut self, job: &Job) -> Result<()> {
        self.with_retries(&job.describe(), |w| w.send_once(job))
    }

    /// Calls `call` as the retry policy says (once while the server is
    /// down; no try after a flush's deadline): its error, naming `what`
    /// and the tries, when every try failed.
    fn with_retries(
        &mut self,
        what: &str,
        mut call: impl FnMut(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let started = Instant::now();
        let attempts = if self.down.is_some() {
            1
        } else {
            self.retry.attempts
        };
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
                    if !is_retryable(&err) || tries >= attempts || out_of_time || !self.sleep(delay)
                    {
                        return Err(self.not_sent(what, tries, err));
                    }
                }
            }
        }
    }

    /// Sleeps `delay` (a retry's backoff), in slices; false, cut short,
    /// when a flush's deadline passes meanwhile.
    fn sleep(&self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            if self.past_deadline() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(100)));
        }
    }

    /// The error of `what`, given up on after `tries` tries that ended
    /// with `err`.
    fn not_sent(&self, what: &str, tries: u32, err: Error) -> Error {
        let retryable = is_retryable(&err);
        Error::Tracker {
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

    /// Tries again what failed (the first with a fresh retry budget; once
    /// one fails for an outage, or the deadline passed, the rest without a
    /// try), ends the run (one try when the server is down or the deadline
    /// passed), and returns an error per job still not sent.
    fn flush(&mut self, status: RunStatus) -> Vec<Error> {
        self.down = None;
        let failed: Vec<Job> = self.failed.drain(..).collect();
        let mut errors = Vec::new();
        for job in failed {
            let result = if self.past_deadline() {
                Err(self.not_tried(&job, "the flush's time ran out first"))
            } else if self.down.is_some() {
                Err(self.not_tried(&job, "the server did not answer; check that it is up"))
            } else {
                self.send_with_retries(&job)
            };
            if let Err(err) = result {
                if was_outage(&err) && self.down.is_none() {
                    self.down = Some(Down {
                        failures: 1,
                        next_probe: Instant::now(),
                        kept: 0,
                    });
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
            let end = |w: &mut Self| w.client.update_run(&run.run_id, status, now_ms());
            let ended = if self.down.is_some() || self.past_deadline() {
                end(self).map_err(|err| self.not_sent(&what, 1, err))
            } else {
                self.with_retries(&what, end)
            };
            match ended {
                Ok(()) => self.summary().ended = Some(status),
                Err(err) => errors.push(err),
            }
        }
        self.down = None;
        errors
    }

    /// The error of a job given up on without a try, for `why`.
    fn not_tried(&self, job: &Job, why: &str) -> Error {
        Error::Tracker {
            server: self.client.uri().to_string(),
            what: format!("{} not sent: {why}", job.describe()),
            source: None,
        }
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
