//! [`Mlflow`]: the [`RecordingObserver`] that logs a recording to an MLflow
//! run: every episode's return and length as metrics, each kept video (with
//! its poster and sidecar, when the gallery wrote them) as an artifact
//! under `videos/`.

use super::client::{Metric, MlflowClient, RunStatus};
use super::run::SharedRun;
use super::uploader::{Job, Retry, RunTarget, UploadSummary};
use crate::catalog::{poster_path, sidecar_path};
use crate::record::{RecordedVideo, RecordingConfig, RecordingObserver};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The experiment runs go to when none is named.
pub const DEFAULT_EXPERIMENT: &str = "gymrec";

/// The [`RecordingObserver`] that logs a recording to an MLflow run (see
/// the [`mlflow`](crate::tracker::mlflow) docs).
///
/// Nothing here waits on the network: episodes and videos are queued to an
/// [`Uploader`](super::Uploader) thread, which creates the experiment (when missing) and the
/// run at the first thing to send, and retries failed calls with
/// exponential backoff ([`Retry`]). When the recorder's report is taken
/// (`take_report`, `finish`, `close`), [`flush`](RecordingObserver::flush)
/// waits (at most [`flush_timeout`](Self::flush_timeout)) for the queue to
/// empty, tries once more what failed, and ends the run: FINISHED, or
/// FAILED when something was not sent, which is then in the report as an
/// [`Error::Tracker`] each. Dropping the observer does the same when
/// something was queued since. Local files are only read.
///
/// An observer made with [`on_run`](Self::on_run) queues into a run that
/// someone else owns (the training callback `LogToMlflow` gives its run to
/// the clips' recorders this way): its flush sends nothing and ends
/// nothing; the owner does.
///
/// - `episode/return` and `episode/length` at step `base + episode id`;
/// - `videos/<file>` for each kept video (each file of a PNG sequence under
///   `videos/<folder>/`), `videos/<name>.poster.png` and `videos/<name>.json`
///   when they exist as the video is reported: add this observer after
///   [`RecordingConfig::gallery`] for them.
pub struct Mlflow {
    uri: String,
    target: RunTarget,
    params: Vec<(String, String)>,
    retry: Retry,
    timeout: Duration,
    flush_timeout: Duration,
    base: u64,
    episodes: bool,
    run: SharedRun,
    /// Whether this observer starts and ends the run (else it only queues).
    owner: bool,
    /// An error met while starting, reported at the next flush.
    failed_start: Option<Error>,
    /// Whether a job was dropped for want of a started run (warned once).
    warned: bool,
}

impl std::fmt::Debug for Mlflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mlflow")
            .field("uri", &self.uri)
            .field("target", &self.target)
            .field("retry", &self.retry)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Mlflow {
    /// Logs to the tracking server at `uri` (`http://host:port`), into
    /// experiment [`DEFAULT_EXPERIMENT`], a run named `gymrec` unless
    /// [`run_name`](Self::run_name) says otherwise. Nothing is sent until
    /// the first episode ends or video is kept; a URI that is not
    /// `http://` is an error at that point, in the report.
    pub fn new(uri: impl Into<String>) -> Self {
        Mlflow {
            uri: uri.into(),
            target: RunTarget {
                experiment: DEFAULT_EXPERIMENT.into(),
                run_name: "gymrec".into(),
                tags: vec![("mlflow.source.name".into(), "gymrec".into())],
            },
            params: Vec::new(),
            retry: Retry::default(),
            timeout: Duration::from_secs(30),
            flush_timeout: Duration::from_secs(120),
            base: 0,
            episodes: true,
            run: SharedRun::new(),
            owner: true,
            failed_start: None,
            warned: false,
        }
    }

    /// An observer queuing into `run`, which someone else started and
    /// ends: it sends videos (and, unless [`episodes`](Self::episodes)
    /// says no, episode metrics) but no params, and its flush waits for
    /// nothing. The experiment, run name, tags, params, retry and
    /// timeouts are the run's owner's; those of this observer are unused.
    pub fn on_run(run: SharedRun) -> Self {
        let mut observer = Mlflow::new("");
        observer.run = run;
        observer.owner = false;
        observer
    }

    /// Whether to log each episode's return and length (default true; the
    /// training callback logs its own, from the metrics store).
    pub fn episodes(mut self, log: bool) -> Self {
        self.episodes = log;
        self
    }

    /// The experiment's name (created when the server has none).
    pub fn experiment(mut self, name: impl Into<String>) -> Self {
        self.target.experiment = name.into();
        self
    }

    /// The run's name.
    pub fn run_name(mut self, name: impl Into<String>) -> Self {
        self.target.run_name = name.into();
        self
    }

    /// A tag set on the run as it is created.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.target.tags.push((key.into(), value.into()));
        self
    }

    /// A param logged to the run (the recording's settings).
    pub fn param(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.params.push((key.into(), value.to_string()));
        self
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

    /// How long a flush may take to send what is queued (default 120 s):
    /// no call starts after it but the run's end (see
    /// [`Uploader::flush`](super::Uploader::flush) for the bound).
    /// When the server is gone a flush takes about one retry budget.
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.flush_timeout = timeout;
        self
    }

    /// The step of the recorder's episode 0 (default 0).
    pub fn step_base(mut self, base: u64) -> Self {
        self.base = base;
        self
    }

    /// What was sent, tried again and not sent, kept up to date by the
    /// uploader: take it before adding the observer to read it afterwards.
    pub fn summary(&self) -> Arc<Mutex<UploadSummary>> {
        self.run.summary()
    }

    /// Queues `job`, starting the run's uploader (and queuing the params)
    /// first when this observer owns the run.
    fn send(&mut self, job: Job) {
        if self.owner && !self.run.is_started() && self.failed_start.is_none() {
            let started = MlflowClient::with_timeout(&self.uri, self.timeout)
                .and_then(|client| self.run.start(client, self.target.clone(), self.retry));
            match started {
                Ok(()) => {
                    if !self.params.is_empty() {
                        self.run.send(Job::Params(self.params.clone(), Vec::new()));
                    }
                }
                Err(err) => {
                    log::warn!("{err}; nothing is sent to it");
                    self.failed_start = Some(err);
                }
            }
        }
        let what = job.describe();
        if !self.run.send(job) && !self.owner && !std::mem::replace(&mut self.warned, true) {
            log::warn!(
                "MLflow: {what} not sent: the run it goes to was not started (LogToMlflow \
                 starts it at the training's start; add it to the trainer)"
            );
        }
    }

    /// Queues `file` as the artifact `videos/<rel>`.
    fn send_file(&mut self, file: PathBuf, rel: &str, video_end: Option<SystemTime>) {
        self.send(Job::Artifact {
            file,
            artifact: format!("videos/{rel}"),
            video_end,
            queued: std::time::Instant::now(),
        });
    }

    fn flush_with(&mut self, status: RunStatus) -> Vec<Error> {
        if !self.owner {
            return Vec::new();
        }
        let mut errors: Vec<Error> = self.failed_start.take().into_iter().collect();
        if self.run.is_dirty() {
            errors.extend(self.run.flush(status, self.flush_timeout));
        }
        errors
    }
}

/// The file name of `path`, as text.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl RecordingObserver for Mlflow {
    fn episode_finished(&mut self, episode: u64, ret: f64, length: u64) {
        if !self.episodes {
            return;
        }
        let step = self.base.saturating_add(episode) as i64;
        self.send(Job::Metrics(vec![
            Metric::now("episode/return", ret, step),
            Metric::now("episode/length", length as f64, step),
        ]));
    }

    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        let path = &video.facts.path;
        let name = file_name(path);
        if path.is_dir() {
            // A PNG sequence: its frames, under videos/<folder>/.
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for file in files {
                let rel = format!("{name}/{}", file_name(&file));
                self.send_file(file, &rel, Some(video.finished_at));
            }
        } else {
            self.send_file(path.clone(), &name, Some(video.finished_at));
        }
        for extra in [poster_path(path), sidecar_path(path)] {
            if extra.is_file() {
                let rel = file_name(&extra);
                self.send_file(extra, &rel, None);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Vec<Error> {
        self.flush_with(RunStatus::Finished)
    }
}

impl Drop for Mlflow {
    /// Ends the run when something was queued since the last flush; what
    /// fails is logged.
    fn drop(&mut self) {
        if self.owner && self.run.is_dirty() {
            for err in self.flush_with(RunStatus::Finished) {
                log::warn!("{err}");
            }
        }
    }
}

/// The MLflow shorthand lives here, beside the observer it adds, so that
/// the recording layer never imports this one.
impl RecordingConfig {
    /// Logs every episode's return and length and each kept video to an
    /// MLflow run on the tracking server at `uri`, in experiment
    /// [`DEFAULT_EXPERIMENT`], the run named after the name prefix.
    /// Shorthand for `.observer(Mlflow::new(uri).run_name(prefix))` (see
    /// [`Mlflow`]; add it after [`gallery`](Self::gallery) to upload
    /// posters and sidecars too).
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// let config = RecordingConfig::new("videos").gallery().mlflow("http://127.0.0.1:5000");
    /// ```
    pub fn mlflow(self, uri: impl Into<String>) -> Self {
        let run_name = self.name_prefix.clone();
        self.observer(Mlflow::new(uri).run_name(run_name))
    }
}
