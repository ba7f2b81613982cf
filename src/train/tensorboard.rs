//! [`LogToTensorBoard`]: a training run as a TensorBoard run, where RL
//! users look: the episode metrics of the [`MetricsStore`], the settings
//! as hparams and a text table, and (with [`RecordVideos`]) each clip as an
//! animated GIF (feature `tensorboard`).
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::train::{AnalyticsState, Cem, CemConfig, LogToTensorBoard, MetricsStore, Trainer};
//!
//! # fn main() -> gymrec::Result<()> {
//! let logdir = std::env::temp_dir().join(format!("gymrec-doc-tb-train-{}", std::process::id()));
//! # std::fs::remove_dir_all(&logdir).ok();
//! let env = gymrec::make("CartPole-v1", RenderMode::None)?;
//! let mut agent = Cem::for_env(&env, CemConfig::default())?;
//! let tensorboard = LogToTensorBoard::new(&logdir);
//! let run = tensorboard.run_handle();
//! Trainer::new(env)
//!     .episodes(20)
//!     .analytics(AnalyticsState::new("demos"))
//!     .callback(tensorboard)
//!     .run(&mut agent, &MetricsStore::in_memory()?)?;
//! assert_eq!(run.run_dir(), Some(logdir.join("demos").join("CEM_CartPole_20ep")));
//! # std::fs::remove_dir_all(&logdir).ok();
//! # Ok(())
//! # }
//! ```

use super::callback::TrainCallback;
use super::metrics::{EPISODE_SCALARS, EpisodeRow, VideoLink};
use super::state::{Status, TrainState};
use crate::Result;
use crate::catalog::TensorBoard;
use crate::tensorboard::{
    HParamValue, PreviewSettings, SessionStatus, SharedWriter, SummaryWriter, free_run_dir,
    hparams_from_json,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Logs a training run to TensorBoard: `<logdir>/<project_name>/<experiment_name>/`.
///
/// - At [`Status::Start`] it completes the [`AnalyticsState`](super::AnalyticsState)
///   ([`TrainState::completed_analytics`]; a trainer given none gets one for
///   project [`DEFAULT_PROJECT`](super::DEFAULT_PROJECT)) and opens an event file in the run
///   folder; a folder that already holds event files (an earlier run of
///   the same name) is not merged into: the run gets the first free
///   `_2`, `_3`, … suffix. Names are used as folder names, with `/`, `\`
///   and NUL replaced by `_`. It writes the hparams (every training,
///   agent and callback setting of the experiment, with `tags`, for the
///   HParams dashboard, its metrics the [`EPISODE_SCALARS`]) and the same
///   settings as a markdown table (text tag `config`).
/// - At each [`Status::Episode`] it logs the [`EPISODE_SCALARS`] and the
///   losses of the episode as stored in the metrics store (so both show
///   the same numbers), then flushes the file: a killed process loses at
///   most the episode in progress.
/// - At [`Status::Complete`] it ends the hparams session and flushes.
///
/// Clips: give [`clips`](Self::clips) to
/// [`RecordVideosBuilder::tensorboard`](super::RecordVideosBuilder::tensorboard),
/// and each kept clip is logged as a GIF preview under `videos/training`
/// (at its first episode) or `videos/evaluation` (at the last training
/// episode), with a text entry naming the video file.
pub struct LogToTensorBoard {
    logdir: PathBuf,
    writer: SharedWriter,
    settings: PreviewSettings,
    run: RunHandle,
}

impl std::fmt::Debug for LogToTensorBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogToTensorBoard")
            .field("logdir", &self.logdir)
            .field("settings", &self.settings)
            .field("run_dir", &self.run.run_dir())
            .finish_non_exhaustive()
    }
}

/// Where a [`LogToTensorBoard`] is logging, readable after the callback
/// was given to the trainer.
#[derive(Debug, Clone, Default)]
pub struct RunHandle(Arc<Mutex<Option<(PathBuf, PathBuf)>>>);

impl RunHandle {
    /// The run folder, once training has started.
    pub fn run_dir(&self) -> Option<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(dir, _)| dir.clone())
    }

    /// The event file, once training has started.
    pub fn event_file(&self) -> Option<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, file)| file.clone())
    }
}

/// What [`RecordVideos`](super::RecordVideos) needs to log its clips into a
/// [`LogToTensorBoard`]'s run ([`LogToTensorBoard::clips`]).
#[derive(Debug, Clone)]
pub struct TensorBoardClips {
    writer: SharedWriter,
    settings: PreviewSettings,
}

impl TensorBoardClips {
    /// The observer for the clips of a recorder linked to training by
    /// `link`; `last_episode` is the step of evaluation clips.
    pub fn observer(&self, link: VideoLink, last_episode: u64) -> TensorBoard {
        let observer = TensorBoard::shared(self.writer.clone())
            .episodes(false)
            .preview(self.settings);
        match link {
            VideoLink::Training { episode_base } => {
                observer.tag("videos/training").step_base(episode_base)
            }
            VideoLink::Evaluation => observer.tag("videos/evaluation").step_base(last_episode),
        }
    }
}

impl LogToTensorBoard {
    /// Logs into `<logdir>/<project_name>/<experiment_name>/` (a `runs`
    /// folder, as TensorBoard users keep).
    pub fn new(logdir: impl Into<PathBuf>) -> Self {
        LogToTensorBoard {
            logdir: logdir.into(),
            writer: SharedWriter::empty(),
            settings: PreviewSettings::default(),
            run: RunHandle::default(),
        }
    }

    /// The clip previews' size and rate limits.
    pub fn preview(mut self, settings: PreviewSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The handle for [`RecordVideosBuilder::tensorboard`](super::RecordVideosBuilder::tensorboard).
    pub fn clips(&self) -> TensorBoardClips {
        TensorBoardClips {
            writer: self.writer.clone(),
            settings: self.settings,
        }
    }

    /// Where the run is logged, once training has started.
    pub fn run_handle(&self) -> RunHandle {
        self.run.clone()
    }

    fn start(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        let analytics = state.completed_analytics()?;
        let experiment = analytics.experiment_name.clone().unwrap_or_default();
        let tags = analytics.tags.clone().unwrap_or_default();
        let run_dir = free_run_dir(
            &self
                .logdir
                .join(folder_name(&analytics.project_name))
                .join(folder_name(&experiment)),
        )?;
        let mut writer = SummaryWriter::create(&run_dir)?;
        let settings = state.metrics.experiment(state.experiment_id)?.config;
        let mut hparams = hparams_from_json(&settings);
        hparams.insert("tags".into(), HParamValue::Text(tags.join(", ")));
        hparams.insert(
            "project".into(),
            HParamValue::Text(analytics.project_name.clone()),
        );
        hparams.insert("experiment".into(), HParamValue::Text(experiment.clone()));
        writer.add_hparams(&hparams, &EPISODE_SCALARS)?;
        writer.add_text("config", 0, &config_table(&hparams))?;
        writer.flush()?;
        log::info!(
            "TensorBoard: logging {} to {}",
            experiment,
            writer.path().display()
        );
        *self.run.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((run_dir, writer.path().to_path_buf()));
        self.writer.set(writer);
        Ok(())
    }

    fn episode(&mut self, state: &TrainState<'_>) -> Result<()> {
        let Some(row) = state.stored_episode("TensorBoard")? else {
            return Ok(());
        };
        self.writer.with(|w| log_episode(w, &row)).unwrap_or(Ok(()))
    }
}

/// The [`EPISODE_SCALARS`] and losses of `row` ([`EpisodeRow::scalars`]),
/// then a flush.
fn log_episode(w: &mut SummaryWriter, row: &EpisodeRow) -> Result<()> {
    for (tag, value) in row.scalars() {
        w.add_scalar(&tag, row.episode, value)?;
    }
    w.flush()
}

/// The settings as a markdown table.
fn config_table(hparams: &std::collections::BTreeMap<String, HParamValue>) -> String {
    let mut text = String::from("| setting | value |\n|---|---|\n");
    for (name, value) in hparams {
        let value = value.to_string().replace('|', "\\|");
        text.push_str(&format!("| {name} | {value} |\n"));
    }
    text
}

/// `name` as one folder name: separators and NUL become `_`, as do the
/// names `""`, `.` and `..`.
fn folder_name(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        "_".into()
    } else {
        name
    }
}

impl TrainCallback for LogToTensorBoard {
    fn call(&mut self, state: &mut TrainState<'_>) -> Result<()> {
        match state.status {
            Status::Start => self.start(state),
            Status::Episode => self.episode(state),
            Status::Complete => self
                .writer
                .with(|w| {
                    w.end_session(SessionStatus::Success)?;
                    w.flush()
                })
                .unwrap_or(Ok(())),
            Status::Step | Status::Logging => Ok(()),
        }
    }

    fn config(&self) -> (String, serde_json::Value) {
        (
            "LogToTensorBoard".into(),
            serde_json::json!({ "logdir": self.logdir }),
        )
    }

    fn info(&self) -> String {
        format!(
            "'LogToTensorBoard' enabled. Runs will be saved in the '{}' directory \
             (tensorboard --logdir {}).",
            self.logdir.display(),
            self.logdir.display()
        )
    }
}
