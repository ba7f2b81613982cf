//! [`PyRecorder`]: gymrec's [`Recorder`] behind a Python class.

use crate::errors::to_pyerr;
use crate::frames::RgbArray;
use crate::keep::{self, PyKeep, Raised};
use crate::{triggers, warnings};
use gymrec::Snapshot;
use gymrec::catalog::{poster_path, sidecar_path};
use gymrec::env::Info;
use gymrec::record::tile::TileLayout;
use gymrec::record::{
    Overlay, RecordedVideo, Recorder, RecordingConfig, RecordingObserver, RecordingReport,
    RecordingSource, SnapshotReplay, StepVideos, VideoStart,
};
use gymrec::tracker::mlflow::{Mlflow, MlflowClient};
use gymrec::video::VideoFormat;
use gymrec::{Error, ErrorKind};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The recorder's state after the last call, for the wrappers' attributes:
/// read without the lock, so that reading them never waits for a call
/// running in another thread (which may itself wait for the GIL, in a
/// trigger).
#[derive(Default)]
struct Shown {
    recording: AtomicBool,
    /// `episode_id + 1`, 0 before the first episode.
    episodes: AtomicU64,
    /// `step_id + 1`, 0 before the first step.
    steps: AtomicU64,
    videos: AtomicUsize,
}

impl Shown {
    fn update(&self, recorder: Option<&Recorder>) {
        let (recording, episodes, steps, videos) = recorder.map_or((false, 0, 0, 0), |r| {
            (
                r.is_recording(),
                r.episode_id().map_or(0, |id| id + 1),
                r.step_id().map_or(0, |id| id + 1),
                r.videos().len(),
            )
        });
        self.recording.store(recording, Ordering::Relaxed);
        self.episodes.store(episodes, Ordering::Relaxed);
        self.steps.store(steps, Ordering::Relaxed);
        self.videos.store(videos, Ordering::Relaxed);
    }
}

/// How many times this process was made by `os.fork()` from its parent,
/// its parent's parent, …: counted by [`forked`], so that a recorder knows
/// it was inherited with a load instead of a `getpid` system call (about
/// 0.3 µs here, the cost of a whole event).
static FORKS: AtomicU64 = AtomicU64::new(0);

/// The `os.register_at_fork(after_in_child=...)` hook the module installs.
#[pyfunction]
pub fn forked() {
    FORKS.fetch_add(1, Ordering::Relaxed);
}

/// The videos started so far and the last one's path, told by an observer,
/// so that a frame conversion is warned about once per video.
#[derive(Default)]
struct Starts {
    count: AtomicU64,
    last: Mutex<PathBuf>,
}

/// The observer feeding [`Starts`].
struct CountStarts(Arc<Starts>);

impl RecordingObserver for CountStarts {
    fn video_started(&mut self, path: &Path, _started_by: VideoStart) {
        *self.0.last.lock().unwrap_or_else(|p| p.into_inner()) = path.to_path_buf();
        self.0.count.fetch_add(1, Ordering::Release);
    }
}

/// gymrec's env-less `Recorder`, fed by the Python wrappers: the events
/// `begin_episode`, `step`, `autoreset_step` return whether a frame is
/// wanted now, and `submit_frame` / `submit_tiles` hand it over.
///
/// Every call that may wait in Rust (a video's file opening, the encoder's
/// queue being full, a video being finished) releases the GIL; Python
/// triggers take it back for their call. Dropping it finalizes the running
/// video.
///
/// A recorder belongs to the process that made it: its encoder threads do
/// not exist in a child made by `os.fork()`. There its calls raise
/// `RuntimeError` (the attributes still read), `finalize` does nothing and
/// dropping it leaks the Rust recorder instead of joining threads that are
/// not there. The Python wrappers make a new recorder in the child.
#[pyclass(module = "gymrec._native", name = "Recorder", frozen)]
pub struct PyRecorder {
    /// The recorder, `None` once finalized by [`PyRecorder::finalize`].
    recorder: Mutex<Option<Recorder>>,
    /// The videos reported by `close` so far (the recorder's report is
    /// taken there, with its errors), for `videos` and `take_finished`.
    closed: Mutex<Vec<RecordedVideo>>,
    /// How many finished videos `take_finished` handed over so far (the
    /// first of `closed`, then of the recorder's own `videos()`).
    handed: AtomicUsize,
    shown: Shown,
    /// A vector env's grid, laid out at its first tiled frame (its own
    /// lock, never held while waiting for anything).
    layout: Mutex<Option<TileLayout>>,
    /// How step videos are counted and named, and so how tiles are laid
    /// out: Stable-Baselines3's grid with its step videos.
    step_videos: StepVideos,
    /// The video folder, for the wrapper's `video_folder`.
    folder: PathBuf,
    fps: u32,
    /// The kind of file the videos are written as.
    format: VideoFormat,
    /// The process that made the recorder.
    pid: u32,
    /// [`FORKS`] when it was made: another count is a forked child.
    forks: u64,
    /// The videos started, from the recorder's observer.
    starts: Arc<Starts>,
    /// The count of [`Starts`] when a conversion was last warned about.
    warned: AtomicU64,
    /// Whether the recorder reads how episodes end (a keep rule or a name
    /// suffix): only then is an ending step's info converted.
    wants_ends: bool,
    /// The first exception of a keep predicate or name suffix, raised from
    /// the next call.
    raised: Raised,
}

/// The settings of a recording, as the wrappers pass them.
struct Settings {
    video_folder: PathBuf,
    episode_trigger: Option<Py<PyAny>>,
    step_trigger: Option<Py<PyAny>>,
    video_length: u64,
    name_prefix: String,
    fps: Option<u32>,
    format: Option<VideoFormat>,
    overlay: bool,
    gallery: bool,
    /// Where the MLflow observer logs to, when asked.
    mlflow: Option<MlflowTarget>,
    step_videos: StepVideos,
    #[cfg_attr(not(feature = "tensorboard"), allow(dead_code))]
    tensorboard: Option<TensorBoardRun>,
    /// What videos are kept and named after, and how many stay.
    keeping: Keeping,
}

/// The keep rule, names by outcome and retention, as the wrappers pass them.
#[derive(Default)]
struct Keeping {
    keep: Option<Py<PyKeep>>,
    outcome_in_name: Option<bool>,
    name_suffix: Option<Py<PyAny>>,
    keep_last: Option<usize>,
    max_bytes: Option<u64>,
}

impl Keeping {
    /// Checks the options as the wrappers pass them: `TypeError` or
    /// `ValueError` naming the value.
    fn new(
        keep: Option<Bound<'_, PyAny>>,
        outcome_in_name: Option<bool>,
        name_suffix: Option<Bound<'_, PyAny>>,
        keep_last: Option<i64>,
        max_bytes: Option<i64>,
    ) -> PyResult<Self> {
        let keep = keep
            .map(|rule| {
                rule.cast_into::<PyKeep>()
                    .map(Bound::unbind)
                    .map_err(|err| {
                        let rule = err.into_inner();
                        PyTypeError::new_err(format!(
                            "gymrec: keep={} ({}); use a rule of gymrec.keep, such as \
                         gymrec.keep.failures() or gymrec.keep.best(2, every=10)",
                            keep::repr(&rule),
                            keep::type_name(&rule)
                        ))
                    })
            })
            .transpose()?;
        if let Some(suffix) = &name_suffix {
            if !suffix.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "gymrec: name_suffix={} ({}); use a callable, f(episodes) -> str | None",
                    keep::repr(suffix),
                    keep::type_name(suffix)
                )));
            }
        }
        let at_least_one = |what: &str, value: i64| {
            u64::try_from(value)
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "gymrec: {what}={value}; it must be at least 1 (or None: no limit)"
                    ))
                })
        };
        Ok(Keeping {
            keep,
            outcome_in_name,
            name_suffix: name_suffix.map(Bound::unbind),
            keep_last: keep_last
                .map(|n| at_least_one("keep_last", n))
                .transpose()?
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            max_bytes: max_bytes
                .map(|n| at_least_one("max_bytes", n))
                .transpose()?,
        })
    }

    /// Whether the recorder reads how episodes end.
    fn wants_ends(&self) -> bool {
        self.keep.is_some() || self.name_suffix.is_some()
    }

    /// `config` with these options; the Python callables' exceptions go to
    /// `raised`.
    fn apply(
        &self,
        py: Python<'_>,
        mut config: RecordingConfig,
        raised: &Raised,
    ) -> RecordingConfig {
        if let Some(rule) = &self.keep {
            config = config.keep(rule.get().build(py, raised));
        }
        config = config.outcome_in_name(self.outcome_in_name.unwrap_or(self.keep.is_some()));
        if let Some(suffix) = &self.name_suffix {
            config =
                config.name_suffix(keep::name_suffix(suffix.clone_ref(py), Arc::clone(raised)));
        }
        if let Some(n) = self.keep_last {
            config = config.keep_last(n);
        }
        if let Some(bytes) = self.max_bytes {
            config = config.max_bytes(bytes);
        }
        config
    }
}

/// An MLflow tracking server and the run the recording is logged to.
struct MlflowTarget {
    uri: String,
    experiment: Option<String>,
    run_name: String,
    /// The env's name, as a param and tag of the run.
    env: String,
}

impl MlflowTarget {
    /// The server at `uri` (checked now: an `http://` URI, else a
    /// `ValueError`); the run named `run_name`, else as `gymrec record`
    /// names it: the env, then the name prefix when it is not the default.
    fn new(
        uri: String,
        experiment: Option<String>,
        run_name: Option<String>,
        env: &str,
        name_prefix: &str,
    ) -> PyResult<Self> {
        if let Err(err) = MlflowClient::new(&uri) {
            return Err(PyValueError::new_err(format!(
                "gymrec: mlflow={uri:?}: {err}; or start a run with the mlflow package \
                 (mlflow.start_run()), which gymrec logs the videos to"
            )));
        }
        let run_name = run_name.unwrap_or_else(|| {
            if name_prefix == "rl-video" {
                env.to_string()
            } else {
                format!("{env}-{name_prefix}")
            }
        });
        Ok(MlflowTarget {
            uri,
            experiment,
            run_name,
            env: env.to_string(),
        })
    }

    /// The observer, with the recording's settings as params.
    fn observer(&self, settings: &Settings) -> Mlflow {
        let mut observer = Mlflow::new(&self.uri)
            .run_name(&self.run_name)
            .tag("gymrec.env", &self.env)
            .param("env", &self.env)
            .param("name_prefix", &settings.name_prefix)
            .param("video_length", settings.video_length);
        if let Some(experiment) = &self.experiment {
            observer = observer.experiment(experiment);
        }
        if let Some(fps) = settings.fps {
            observer = observer.param("fps", fps);
        }
        if let Some(format) = settings.format {
            observer = observer.param("format", format.name());
        }
        observer
    }
}

/// Where a recorder logs its clips' GIF previews (and episodes) for
/// TensorBoard: gymrec's TensorBoard observer.
#[cfg_attr(not(feature = "tensorboard"), allow(dead_code))]
struct TensorBoardRun {
    run_dir: PathBuf,
    tag: String,
    step: u64,
    episodes: bool,
}

impl Settings {
    /// The first video of this prefix already in the folder, if any (the
    /// Rust rule of what `overwrite=False` refuses; a folder that cannot be
    /// read is the real recorder's error to report).
    fn existing_video(&self) -> Option<PathBuf> {
        let mut look = RecordingConfig::new(&self.video_folder).name_prefix(&self.name_prefix);
        if let Some(format) = self.format {
            look = look.format(format);
        }
        Recorder::existing_video(&look).ok().flatten()
    }

    fn config(&self, py: Python<'_>, overwrite: bool, raised: &Raised) -> RecordingConfig {
        let config = RecordingConfig::new(&self.video_folder);
        let mut config = self
            .keeping
            .apply(py, config, raised)
            .name_prefix(&self.name_prefix)
            .video_length(self.video_length)
            .overwrite(overwrite);
        if let Some(trigger) = &self.episode_trigger {
            config = config.episode_trigger(triggers::from_callable(
                "episode_trigger",
                trigger.clone_ref(py),
            ));
        }
        if let Some(trigger) = &self.step_trigger {
            config = config.step_trigger(triggers::from_callable(
                "step_trigger",
                trigger.clone_ref(py),
            ));
        }
        if let Some(fps) = self.fps {
            config = config.fps(fps);
        }
        if let Some(format) = self.format {
            config = config.format(format);
        }
        if self.overlay {
            config = config.overlay(Overlay::new());
        }
        if self.gallery {
            config = config.gallery();
        }
        #[cfg(feature = "tensorboard")]
        if let Some(run) = &self.tensorboard {
            config = config.observer(
                gymrec::catalog::TensorBoard::new(&run.run_dir)
                    .tag(&run.tag)
                    .step_base(run.step)
                    .episodes(run.episodes),
            );
        }
        // After the gallery: the poster and sidecar exist when it hears of a video.
        if let Some(mlflow) = &self.mlflow {
            config = config.observer(mlflow.observer(self));
        }
        config.step_videos(self.step_videos)
    }
}

#[pymethods]
impl PyRecorder {
    /// A recorder writing into `video_folder` (see `gymrec.RecordVideo` for
    /// the arguments). `render_fps` is the env's `metadata["render_fps"]`;
    /// `name` names the env in messages. With `overwrite`, existing videos
    /// of this prefix give a warning and are overwritten (Gymnasium's
    /// behaviour); without, they raise `FileExistsError`. `quiet` drops the
    /// warnings of making it (existing videos, no fps), for a recorder made
    /// again for a copy of a wrapper, whose original gave them. With
    /// `mlflow` (an `http://` tracking URI; another is a `ValueError`), every
    /// episode's return and length and each kept video (with its poster and
    /// sidecar) go to an MLflow run on that server, through gymrec's own
    /// client on a thread of its own: experiment `mlflow_experiment` (else
    /// `"gymrec"`), run `mlflow_run_name` (else the env, then the name
    /// prefix when not the default). What it could not send is warned
    /// about at `close`, never raised.
    /// `step_videos="sb3"` asks the step trigger and names step videos as
    /// Stable-Baselines3's `VecVideoRecorder` does and tiles sub-envs as its
    /// `VecEnv.render()` (default `"gymnasium"`). `tensorboard` is a run
    /// folder where each clip's GIF preview is logged under
    /// `tensorboard_tag` at step `tensorboard_step` plus its episode id
    /// (with each episode's return and length when `tensorboard_episodes`).
    #[new]
    #[pyo3(signature = (
        video_folder, *, episode_trigger=None, step_trigger=None, video_length=0,
        name_prefix="rl-video".to_string(), fps=None, render_fps=None, env_id=None,
        name="the env".to_string(), overwrite=true, format=None, overlay=false, gallery=false,
        mlflow=None, mlflow_experiment=None, mlflow_run_name=None, quiet=false,
        step_videos="gymnasium", tensorboard=None, tensorboard_tag="videos".to_string(),
        tensorboard_step=0, tensorboard_episodes=true, keep=None, outcome_in_name=None,
        name_suffix=None, keep_last=None, max_bytes=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        video_folder: PathBuf,
        episode_trigger: Option<Py<PyAny>>,
        step_trigger: Option<Py<PyAny>>,
        video_length: u64,
        name_prefix: String,
        fps: Option<u32>,
        render_fps: Option<f64>,
        env_id: Option<String>,
        name: String,
        overwrite: bool,
        format: Option<&str>,
        overlay: bool,
        gallery: bool,
        mlflow: Option<String>,
        mlflow_experiment: Option<String>,
        mlflow_run_name: Option<String>,
        quiet: bool,
        step_videos: &str,
        tensorboard: Option<PathBuf>,
        tensorboard_tag: String,
        tensorboard_step: u64,
        tensorboard_episodes: bool,
        keep: Option<Bound<'_, PyAny>>,
        outcome_in_name: Option<bool>,
        name_suffix: Option<Bound<'_, PyAny>>,
        keep_last: Option<i64>,
        max_bytes: Option<i64>,
    ) -> PyResult<Self> {
        let keeping = Keeping::new(keep, outcome_in_name, name_suffix, keep_last, max_bytes)?;
        let format = format
            .map(str::parse::<VideoFormat>)
            .transpose()
            .map_err(to_pyerr)?;
        let mlflow = mlflow
            .map(|uri| {
                let env = env_id.as_deref().unwrap_or(&name);
                MlflowTarget::new(uri, mlflow_experiment, mlflow_run_name, env, &name_prefix)
            })
            .transpose()?;
        let step_videos = match step_videos {
            "gymnasium" => StepVideos::Gymnasium,
            "sb3" => StepVideos::StableBaselines3,
            other => {
                return Err(PyValueError::new_err(format!(
                    "gymrec: step_videos is {other:?}; use \"gymnasium\" or \"sb3\""
                )));
            }
        };
        if cfg!(not(feature = "tensorboard")) && tensorboard.is_some() {
            return Err(PyValueError::new_err(
                "gymrec: tensorboard= needs a gymrec built with the `tensorboard` feature (the \
                 default); this build has none",
            ));
        }
        let tensorboard = tensorboard.map(|run_dir| TensorBoardRun {
            run_dir,
            tag: tensorboard_tag,
            step: tensorboard_step,
            episodes: tensorboard_episodes,
        });
        let settings = Settings {
            video_folder,
            episode_trigger,
            step_trigger,
            video_length,
            name_prefix,
            fps,
            format,
            overlay,
            gallery,
            mlflow,
            step_videos,
            tensorboard,
            keeping,
        };
        let source = RecordingSource {
            name,
            env_id,
            render_fps: render_fps.map(fps_of_metadata).transpose()?,
            frame_size: None,
        };
        let mark = warnings::mark();
        let starts = Arc::new(Starts::default());
        let raised = Raised::default();
        let config = settings
            .config(py, overwrite, &raised)
            .observer(CountStarts(Arc::clone(&starts)));
        let made = Recorder::new(config, source);
        if quiet {
            warnings::discard_after(mark);
        } else if let (true, Ok(_)) = (overwrite, &made) {
            if let Some(existing) = settings.existing_video() {
                // Gymnasium's rule: warn once, then overwrite.
                let message = format!(
                    "gymrec: Overwriting existing videos at {} folder ({} exists; pass \
                     overwrite=False to refuse instead, or try specifying a different \
                     `video_folder` or `name_prefix` for the `RecordVideo` wrapper if this is \
                     not desired)",
                    settings.video_folder.display(),
                    existing.display()
                );
                let text = std::ffi::CString::new(message).unwrap_or_default();
                PyErr::warn(
                    py,
                    &py.get_type::<pyo3::exceptions::PyUserWarning>(),
                    &text,
                    1,
                )?;
            }
        }
        warnings::flush(py)?;
        let recorder = made.map_err(to_pyerr)?;
        Ok(PyRecorder {
            folder: recorder.video_folder().to_path_buf(),
            fps: recorder.fps(),
            format: recorder.format(),
            recorder: Mutex::new(Some(recorder)),
            closed: Mutex::new(Vec::new()),
            handed: AtomicUsize::new(0),
            shown: Shown::default(),
            layout: Mutex::new(None),
            step_videos,
            pid: std::process::id(),
            forks: FORKS.load(Ordering::Relaxed),
            starts,
            warned: AtomicU64::new(0),
            wants_ends: settings.keeping.wants_ends(),
            raised,
        })
    }

    /// An episode began (a reset). Returns whether a frame is wanted now.
    fn begin_episode(&self, py: Python<'_>) -> PyResult<bool> {
        self.event(py, |recorder| recorder.begin_episode())
    }

    /// A step was taken with `reward`; `done` when the episode ended at it.
    /// Returns whether a frame is wanted now.
    fn step(&self, py: Python<'_>, reward: f64, done: bool) -> PyResult<bool> {
        self.event(py, |recorder| recorder.step(reward, done).map(|_| ()))
    }

    /// A step was taken with `reward`, Gymnasium's `terminated` and
    /// `truncated` and its `info` (a dict; its JSON-able part is read, only
    /// when the step ends the episode and a keep rule or name suffix wants
    /// it). Returns whether a frame is wanted now.
    #[pyo3(signature = (reward, terminated, truncated, info=None))]
    fn step_ended(
        &self,
        py: Python<'_>,
        reward: f64,
        terminated: bool,
        truncated: bool,
        info: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        static NO_INFO: std::sync::OnceLock<Info> = std::sync::OnceLock::new();
        let read = match info {
            Some(info) if self.wants_ends && (terminated || truncated) => Some(keep::info_of(info)),
            _ => None,
        };
        let info = read
            .as_ref()
            .unwrap_or_else(|| NO_INFO.get_or_init(Info::new));
        self.event(py, |recorder| {
            recorder
                .step_ended(reward, terminated, truncated, info)
                .map(|_| ())
        })
    }

    /// An episode began at the step just told (a vector env's same-step
    /// autoreset of sub-env 0, as Stable-Baselines3's vector envs reset):
    /// counts it and asks the episode trigger, never the step trigger.
    /// Returns whether a frame is wanted now.
    fn begin_episode_at_step(&self, py: Python<'_>) -> PyResult<bool> {
        self.event(py, |recorder| recorder.begin_episode_at_step())
    }

    /// A step that began a new episode (a vector env's autoreset of sub-env
    /// 0). Returns whether a frame is wanted now.
    fn autoreset_step(&self, py: Python<'_>) -> PyResult<bool> {
        self.event(py, |recorder| recorder.autoreset_step().map(|_| ()))
    }

    /// Hands over the frame for the last event: an `HxWx3` `uint8` array,
    /// copied into a pooled buffer. Does nothing when no video runs.
    fn submit_frame(&self, py: Python<'_>, frame: &Bound<'_, PyAny>) -> PyResult<()> {
        self.check_process()?;
        let array = RgbArray::from_object(frame)?;
        let (width, height) = array.size();
        let buffer = py.detach(|| self.frame_buffer(width, height));
        if let Some(mut buffer) = buffer {
            array.copy_into(&mut buffer, (0, 0));
            self.warn_conversion(&array);
            self.submit(py, buffer);
        }
        warnings::flush(py)
    }

    /// Hands over the frame for the last event of a vector env: one array
    /// per sub-env, tiled into gymrec's near-square grid (black padding
    /// cells) laid out at the first call. Every array must have the first
    /// one's size.
    fn submit_tiles(&self, py: Python<'_>, frames: Vec<Bound<'_, PyAny>>) -> PyResult<()> {
        self.check_process()?;
        let arrays = frames
            .iter()
            .map(RgbArray::from_object)
            .collect::<PyResult<Vec<_>>>()?;
        let Some(cell) = arrays.first().map(RgbArray::size) else {
            return Err(PyValueError::new_err(
                "gymrec: the vector env rendered no frames; it has no sub-envs to record",
            ));
        };
        if let Some((i, got)) = arrays
            .iter()
            .map(RgbArray::size)
            .enumerate()
            .find(|(_, s)| *s != cell)
        {
            return Err(to_pyerr(Error::TileSize {
                what: format!("sub-env {i}"),
                expected: cell,
                got,
            }));
        }
        let layout = {
            let mut known = self.layout.lock().unwrap_or_else(|p| p.into_inner());
            match *known {
                Some(layout) if layout.cell_size() == cell && layout.cells() == arrays.len() => {
                    layout
                }
                _ => {
                    let layout = match self.step_videos {
                        StepVideos::StableBaselines3 => {
                            TileLayout::stable_baselines3(arrays.len(), cell)
                        }
                        _ => TileLayout::near_square(arrays.len(), cell),
                    }
                    .map_err(to_pyerr)?;
                    *known = Some(layout);
                    layout
                }
            }
        };
        let (width, height) = layout.size();
        let buffer = py.detach(|| self.frame_buffer(width, height));
        if let Some(mut buffer) = buffer {
            for (i, array) in arrays.iter().enumerate() {
                if let Some(origin) = layout.cell_origin(i) {
                    array.copy_into(&mut buffer, origin);
                }
            }
            layout.clear_padding(&mut buffer).map_err(to_pyerr)?;
            if let Some(array) = arrays.first() {
                self.warn_conversion(array);
            }
            self.submit(py, buffer);
        }
        warnings::flush(py)
    }

    /// Hands over a snapshot for the last event instead of a frame: `state`
    /// (bytes) is what the frame of `width` x `height` is drawn from, by
    /// the replay `set_snapshot_replay` set. With a keep rule the running
    /// video holds it and only a kept video's snapshots are drawn and
    /// encoded; without one it is drawn now. Does nothing when no video
    /// runs.
    fn submit_snapshot(
        &self,
        py: Python<'_>,
        state: &[u8],
        width: u32,
        height: u32,
    ) -> PyResult<()> {
        self.check_process()?;
        static NO_INFO: std::sync::OnceLock<Info> = std::sync::OnceLock::new();
        let info = NO_INFO.get_or_init(Info::new);
        py.detach(|| {
            let mut inner = self.lock();
            if let Some(recorder) = inner.as_mut() {
                recorder.capture_snapshot(
                    (width, height),
                    |snapshot| {
                        snapshot.push_bytes(state);
                        Ok(())
                    },
                    info,
                );
                self.shown.update(Some(recorder));
            }
        });
        warnings::flush(py)?;
        self.raise_callables()
    }

    /// Sets what draws a snapshot into a frame: `replay(state) -> frame`
    /// (an `HxWx3` array of the size the snapshot was handed over for),
    /// called on the thread of the event that decided a video kept, with
    /// the GIL; `None` removes it. Its exception stops the video and is
    /// raised from `close` (the recorder's report).
    #[pyo3(signature = (replay))]
    fn set_snapshot_replay(&self, py: Python<'_>, replay: Option<Py<PyAny>>) -> PyResult<()> {
        self.check_process()?;
        if let Some(replay) = &replay {
            if !replay.bind(py).is_callable() {
                let replay = replay.bind(py);
                return Err(PyTypeError::new_err(format!(
                    "gymrec: the snapshot replay is {} ({}); use a callable, f(state) -> frame",
                    keep::repr(replay),
                    keep::type_name(replay)
                )));
            }
        }
        let replay = replay.map(|callable| -> SnapshotReplay {
            Box::new(move |snapshot: &Snapshot, frame: &mut gymrec::Frame| {
                Python::attach(|py| {
                    let drawn = callable
                        .bind(py)
                        .call1((PyBytes::new(py, snapshot.as_bytes()),))
                        .and_then(|drawn| {
                            let array = RgbArray::from_object(&drawn)?;
                            let want = (frame.width(), frame.height());
                            if array.size() != want {
                                return Err(PyValueError::new_err(format!(
                                    "gymrec: render_snapshot gave a {}x{} frame for a snapshot \
                                     taken for {}x{}",
                                    array.size().0,
                                    array.size().1,
                                    want.0,
                                    want.1
                                )));
                            }
                            array.copy_into(frame, (0, 0));
                            Ok(())
                        });
                    drawn.map_err(|err| Error::env("render_snapshot", err))
                })
            })
        });
        py.detach(|| {
            if let Some(recorder) = self.lock().as_mut() {
                recorder.set_snapshot_replay(replay);
            }
        });
        Ok(())
    }

    /// Whether a video is being recorded.
    #[getter]
    fn recording(&self) -> bool {
        self.shown.recording.load(Ordering::Relaxed)
    }

    /// The current episode's id, -1 before the first reset.
    #[getter]
    fn episode_id(&self) -> i64 {
        minus_one_based(self.shown.episodes.load(Ordering::Relaxed))
    }

    /// The last step's id, -1 before the first step.
    #[getter]
    fn step_id(&self) -> i64 {
        minus_one_based(self.shown.steps.load(Ordering::Relaxed))
    }

    /// The folder videos are written into.
    #[getter]
    fn video_folder(&self) -> PathBuf {
        self.folder.clone()
    }

    /// Frames per second of the videos.
    #[getter]
    fn fps(&self) -> u32 {
        self.fps
    }

    /// The path of the last video started (it may still be recording, or
    /// stopped), `None` before the first.
    #[getter]
    fn video_path(&self) -> Option<PathBuf> {
        let last = self.starts.last.lock().unwrap_or_else(|p| p.into_inner());
        (self.starts.count.load(Ordering::Acquire) > 0).then(|| last.clone())
    }

    /// The size of a vector env's tiled frames, `(width, height)`, once the
    /// first one was submitted.
    #[getter]
    fn grid_size(&self) -> Option<(u32, u32)> {
        if self.check_process().is_err() {
            return None;
        }
        let layout = self.layout.lock().unwrap_or_else(|p| p.into_inner());
        layout.map(|layout| layout.size())
    }

    /// The paths of the videos finished and kept so far.
    #[getter]
    fn videos(&self, py: Python<'_>) -> PyResult<Vec<PathBuf>> {
        self.check_process()?;
        Ok(py.detach(|| {
            let inner = self.lock();
            let closed = self.closed_videos();
            let live = inner.as_ref().map_or(&[][..], |r| r.videos());
            closed
                .iter()
                .chain(live)
                .map(|v| v.facts.path.clone())
                .collect()
        }))
    }

    /// How many videos were finished and kept so far.
    #[getter]
    fn videos_finished(&self) -> usize {
        self.shown.videos.load(Ordering::Relaxed) + self.closed_videos().len()
    }

    /// The videos finished since the last call, in the order they were
    /// started, each as a dict for `gymrec.FinishedVideo`: `path`,
    /// `episode_id` or `step_id` (what the trigger that started it saw; the
    /// other is `None`), `episodes` and `returns` (the episodes it shows and
    /// their returns up to its last frame), `frames`, `fps`, `format`,
    /// `incomplete`, and `poster` and `sidecar` (the gallery's files beside
    /// it, `None` when not written). A video is handed over once; videos still being
    /// finished in the background come at a later call.
    fn take_finished<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.check_process()?;
        let taken = py.detach(|| {
            let inner = self.lock();
            let closed = self.closed_videos();
            let live = inner.as_ref().map_or(&[][..], |r| r.videos());
            let handed = self.handed.load(Ordering::Relaxed);
            let new: Vec<RecordedVideo> = closed.iter().chain(live).skip(handed).cloned().collect();
            self.handed.store(handed + new.len(), Ordering::Relaxed);
            new
        });
        taken
            .iter()
            .map(|video| self.finished_dict(py, video))
            .collect()
    }

    /// Finalizes the running video, if any (recording goes on); raises the
    /// first error met since the last `stop` or `close`.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        self.close(py)
    }

    /// Finalizes the running video and raises the first error not yet
    /// raised. The recorder can go on recording.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.check_process()?;
        let result = py.detach(|| {
            let mut inner = self.lock();
            let report = inner.as_mut().map(Recorder::take_report);
            self.shown.update(inner.as_ref());
            let Some(report) = report else {
                return Ok(());
            };
            // Kept before the errors are raised: a video cut short is still a video.
            self.closed_videos().extend(report.videos.iter().cloned());
            warn_tracker_errors(report).into_result().map(|_| ())
        });
        warnings::flush(py)?;
        self.raise_callables()?;
        result.map_err(to_pyerr)
    }

    /// Finalizes the running video and drops the recorder, for `__del__`:
    /// errors become warnings, never exceptions. Events afterwards want no
    /// frames. Does nothing in a forked child (the video is the parent's).
    fn finalize(&self, py: Python<'_>) {
        if self.check_process().is_err() {
            return;
        }
        py.detach(|| {
            let recorder = self.lock().take();
            self.shown.update(None);
            if let Some(recorder) = recorder {
                let report = recorder.finish();
                self.closed_videos().extend(report.videos.iter().cloned());
                if let Err(err) = report.into_result() {
                    log::warn!("recording error at garbage collection: {err}");
                }
            }
        });
        let _ = warnings::flush(py);
    }

    fn __repr__(&self) -> String {
        format!(
            "gymrec._native.Recorder(video_folder={:?}, fps={}, recording={})",
            self.folder,
            self.fps,
            self.recording()
        )
    }
}

impl PyRecorder {
    fn lock(&self) -> MutexGuard<'_, Option<Recorder>> {
        self.recorder
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One finished video as `take_finished` hands it over.
    fn finished_dict<'py>(
        &self,
        py: Python<'py>,
        video: &RecordedVideo,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let (episode_id, step_id) = match video.started_by {
            VideoStart::Episode(id) => (Some(id), None),
            VideoStart::Step(id) => (None, Some(id)),
        };
        dict.set_item("path", &video.facts.path)?;
        dict.set_item("episode_id", episode_id)?;
        dict.set_item("step_id", step_id)?;
        let episodes: Vec<u64> = video.episodes.iter().map(|e| e.episode).collect();
        let returns: Vec<f64> = video.episodes.iter().map(|e| e.ret).collect();
        dict.set_item("episodes", episodes)?;
        dict.set_item("returns", returns)?;
        dict.set_item("frames", video.facts.frames)?;
        dict.set_item("fps", video.facts.fps)?;
        dict.set_item("format", self.format.name())?;
        dict.set_item("incomplete", video.incomplete)?;
        let path = &video.facts.path;
        let written = |extra: PathBuf| extra.is_file().then_some(extra);
        dict.set_item("poster", written(poster_path(path)))?;
        dict.set_item("sidecar", written(sidecar_path(path)))?;
        Ok(dict)
    }

    /// A `RuntimeError` in a process other than the one that made the
    /// recorder (a child made by `os.fork()`), where its threads and locks
    /// are the parent's.
    fn check_process(&self) -> PyResult<()> {
        if FORKS.load(Ordering::Relaxed) == self.forks {
            return Ok(());
        }
        let here = std::process::id();
        Err(PyRuntimeError::new_err(format!(
            "gymrec: this Recorder was made in process {} and this is process {here}, a child \
             made by os.fork(); its encoder threads stayed in the parent. gymrec.RecordVideo \
             makes a new recorder in the child by itself; a gymrec._native.Recorder must be \
             made again in the child",
            self.pid
        )))
    }

    /// Logs, once per video, how the frames of this one are converted
    /// (queued; issued as a warning at the end of the call).
    fn warn_conversion(&self, array: &RgbArray<'_>) {
        let Some(conversion) = array.conversion() else {
            return;
        };
        let video = self.starts.count.load(Ordering::Acquire);
        if self.warned.swap(video, Ordering::Relaxed) != video {
            let path = self.starts.last.lock().unwrap_or_else(|p| p.into_inner());
            log::warn!(
                "{}: {conversion}; Gymnasium's writer does the same (said once per video)",
                path.display()
            );
        }
    }

    /// The videos `close` took from the recorder (taken after
    /// [`lock`](Self::lock) when both are held).
    fn closed_videos(&self) -> MutexGuard<'_, Vec<RecordedVideo>> {
        self.closed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs an event with the GIL released; returns whether a frame is
    /// wanted after it, or the trigger's exception.
    fn event(
        &self,
        py: Python<'_>,
        event: impl FnOnce(&mut Recorder) -> gymrec::Result<()> + Send,
    ) -> PyResult<bool> {
        self.check_process()?;
        let result = py.detach(|| {
            let mut inner = self.lock();
            let Some(recorder) = inner.as_mut() else {
                return Ok(false);
            };
            let result = event(recorder).map(|()| recorder.is_recording());
            self.shown.update(Some(recorder));
            result
        });
        warnings::flush(py)?;
        self.raise_callables()?;
        result.map_err(to_pyerr)
    }

    /// The first exception a keep predicate or name suffix raised since the
    /// last call, raised now.
    fn raise_callables(&self) -> PyResult<()> {
        match self.raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// A pooled buffer for the next frame, when one is wanted (the first
    /// frame of a video opens its file: call with the GIL released).
    fn frame_buffer(&self, width: u32, height: u32) -> Option<gymrec::Frame> {
        let mut inner = self.lock();
        let recorder = inner.as_mut()?;
        let buffer = recorder.frame_buffer(width, height);
        self.shown.update(Some(recorder));
        buffer
    }

    /// Submits a filled buffer, with the GIL released (the encoder's queue
    /// may be full).
    fn submit(&self, py: Python<'_>, frame: gymrec::Frame) {
        static NO_INFO: std::sync::OnceLock<Info> = std::sync::OnceLock::new();
        let info = NO_INFO.get_or_init(Info::new);
        py.detach(|| {
            let mut inner = self.lock();
            if let Some(recorder) = inner.as_mut() {
                recorder.submit_frame(frame, info);
                self.shown.update(Some(recorder));
            }
        });
    }
}

impl Drop for PyRecorder {
    /// In a forked child, leaks the Rust recorder: dropping it would finish
    /// its video by joining encoder threads that exist only in the parent
    /// (a panic, or a wait for ever). In its own process the recorder drops
    /// as usual, finalizing the running video.
    fn drop(&mut self) {
        // The pid too: a fork made by C code runs no Python hook.
        if FORKS.load(Ordering::Relaxed) != self.forks || std::process::id() != self.pid {
            let inherited = self
                .recorder
                .get_mut()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            std::mem::forget(inherited);
        }
    }
}

/// The report without what a tracker did not get, which is warned about
/// instead (the server named, the local files kept): an upload that failed
/// is no error of the recording, and never raised from `close`.
fn warn_tracker_errors(mut report: RecordingReport) -> RecordingReport {
    let (tracker, others): (Vec<Error>, Vec<Error>) = std::mem::take(&mut report.errors)
        .into_iter()
        .partition(|err| err.kind() == ErrorKind::Tracker);
    for err in tracker {
        log::warn!("{err} (the local file is kept)");
    }
    report.errors = others;
    report
}

/// An id kept plus one as Gymnasium shows it, -1 for "none yet".
fn minus_one_based(id_plus_one: u64) -> i64 {
    i64::try_from(id_plus_one).map_or(i64::MAX, |n| n - 1)
}

/// An env's `render_fps` (Gymnasium allows floats) as whole frames per
/// second; a negative or non-finite one is a `ValueError`.
fn fps_of_metadata(fps: f64) -> PyResult<u32> {
    if fps.is_finite() && fps >= 0.0 && fps <= f64::from(u32::MAX) {
        Ok(fps.round() as u32)
    } else {
        Err(PyValueError::new_err(format!(
            "gymrec: the env's metadata[\"render_fps\"] is {fps}; it must be a positive number"
        )))
    }
}
