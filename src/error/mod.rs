//! The crate's one error type, [`ErrorKind`], its categories, and
//! [`Setting`], the numeric settings that [`Error::OutOfRange`] names.
//!
//! - `mod.rs`: [`Error`], its variants and their messages;
//! - `kind.rs`: [`ErrorKind`], [`Error::kind`] and [`Error::io_kind`];
//! - `new.rs`: the constructors ([`Error::io`], [`Error::env`], …);
//! - `setting.rs`: [`Setting`] and the message of [`Error::OutOfRange`];
//! - `message.rs`: the other messages that take more than a format string.

mod kind;
mod message;
mod new;
mod setting;
#[cfg(test)]
mod tests;

pub use kind::ErrorKind;
pub use setting::Setting;

use message::{Detail, grid_layout};
use setting::out_of_range;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Everything that can go wrong in gymrec.
///
/// Every variant names the thing at fault (an env id, a path, a value) and,
/// where there is one, what to do about it. Configuration errors have a
/// variant per rule ([`OutOfRange`](Error::OutOfRange) for the numeric ones,
/// with a [`Setting`]), so code can tell them apart with `matches!`; code
/// that only needs the category asks [`Error::kind`]:
///
/// ```
/// use gymrec::{Error, ErrorKind, Setting};
///
/// let err = gymrec::video::VideoSpec::new(64, 48, 0).validate().unwrap_err();
/// assert!(matches!(err, Error::OutOfRange { setting: Setting::Fps, value: 0, .. }));
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(err.to_string().contains("fps = 0"));
/// ```
///
/// The training variants exist only with feature `train`, the TensorBoard
/// ones only with feature `tensorboard`.
///
/// An I/O failure stays an [`std::io::Error`] with its
/// [`kind`](std::io::Error::kind): either [`Error::Io`] itself, or the
/// [`source`](std::error::Error::source) of an error that wraps one (an
/// encoder that could not write its file); [`Error::io_kind`] finds it.
/// The underlying errors of other crates (FFmpeg's, OpenH264's, the `gif`
/// and `png` codecs', `image`'s, SQLite's, `serde_json`'s) are not part of
/// this type's API: they are available through
/// [`source`](std::error::Error::source) (and `downcast_ref`), and their
/// types may change with those crates' versions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `make` was given an id that is not registered.
    #[error("unknown environment id {id:?}; known ids: {}", known.join(", "))]
    UnknownEnv {
        /// The id that was asked for.
        id: String,
        /// Every registered id.
        known: Vec<String>,
    },

    /// An action outside the env's action space.
    #[error("{env}: action {action} is not in the action space {space}")]
    InvalidAction {
        /// The env id or name.
        env: String,
        /// The action as given.
        action: String,
        /// The action space, described.
        space: String,
    },

    /// `step` was called before the first `reset`, or after an episode ended.
    #[error("{env}: step() called {when}; call reset() first")]
    ResetNeeded {
        /// The env id or name.
        env: String,
        /// "before reset()" or "after the episode ended".
        when: &'static str,
    },

    /// Rendering was asked of an env whose render mode yields no frames.
    #[error("{env}: render mode {mode} yields no frames; create the env with RenderMode::RgbArray")]
    NoFrames {
        /// The env id or name.
        env: String,
        /// The env's render mode.
        mode: String,
    },

    /// An explicit state vector of the wrong length.
    #[error("{env}: the state has {got} values but needs {expected} ({names})")]
    StateLength {
        /// The env id.
        env: String,
        /// How many values were given.
        got: usize,
        /// How many values the state has.
        expected: usize,
        /// The names of the state's values, in order.
        names: String,
    },

    /// A value that must be finite was NaN or infinite.
    #[error("{what} = {value} is not a finite number")]
    NotFinite {
        /// What the value is (for example `CartPole-v1 state theta`).
        what: String,
        /// The value.
        value: f64,
    },

    /// A numeric setting outside the values it may take: a video's width,
    /// height or frame rate (a GIF's at most [`GIF_MAX_FPS`](crate::video::GIF_MAX_FPS)), an encoder
    /// setting, the queue capacity, `Trigger::every(0)`, a callback's
    /// frequency, a trainer count, a metrics window, `max_episode_steps`.
    #[error("invalid configuration: {}", out_of_range(*setting, *value, allowed, context.as_deref()))]
    OutOfRange {
        /// The setting at fault.
        setting: Setting,
        /// The value it was given.
        value: u64,
        /// The values it may take (`1..=u64::MAX`: at least 1).
        allowed: RangeInclusive<u64>,
        /// What the setting belongs to, when the message names it: an env
        /// id for `max_episode_steps`, the file of a sink.
        context: Option<String>,
    },

    /// A video file-name prefix (`RecordingConfig::name_prefix`) that is
    /// empty or is not a plain file-name prefix (a path separator, `..`).
    #[error("invalid configuration: {}", if prefix.is_empty() {
        "name_prefix is empty; give a file-name prefix such as \"rl-video\"".to_string()
    } else {
        format!(
            "name_prefix {prefix:?} contains a path separator or \"..\"; it must be a plain \
             file-name prefix (choose the folder with the video folder)"
        )
    })]
    InvalidNamePrefix {
        /// The prefix as given.
        prefix: String,
    },

    /// A name suffix ([`RecordingConfig::name_suffix`](crate::record::RecordingConfig::name_suffix))
    /// that cannot go into a file name; the video keeps its plain name.
    #[error(
        "invalid configuration: name suffix {suffix:?} may hold only ASCII letters, digits and \
         _ (1 to 64); the video keeps its name without it"
    )]
    InvalidNameSuffix {
        /// The suffix as given.
        suffix: String,
    },

    /// Text that [`TriggerSpec`](crate::record::TriggerSpec) cannot parse
    /// (the command line's `--trigger`).
    #[error(
        "invalid configuration: trigger {text:?}: {problem}; expected cubic, all, none, every:N \
         or steps:N (N >= 1)"
    )]
    InvalidTrigger {
        /// The text as given.
        text: String,
        /// What is wrong with it: `unknown trigger`, `N must be at least 1`,
        /// `N is not a whole number`.
        problem: &'static str,
    },

    /// A video format name that is not one of `mp4`, `webm`, `gif`, `png`
    /// (parsing a [`VideoFormat`](crate::video::VideoFormat)).
    #[error(
        "invalid configuration: video format {name:?} is unknown; use one of mp4, webm, gif, png"
    )]
    UnknownFormat {
        /// The name as given.
        name: String,
    },

    /// An encoder preset that is not one of
    /// [`X264_PRESETS`](crate::video::X264_PRESETS).
    #[error(
        "invalid configuration: encoder preset {preset:?} is not an x264 preset; use one of {}",
        known.join(", ")
    )]
    UnknownPreset {
        /// The preset as given.
        preset: String,
        /// The presets there are.
        known: &'static [&'static str],
    },

    /// A [`RecordState`](crate::record::RecordState) whose method is
    /// [`Step`](crate::record::RecordMethod::Step) but which has no step
    /// trigger.
    #[error(
        "invalid configuration: RecordState for {}: method is step but no step_trigger is set; \
         set one (for example Trigger::every(1000)) or use RecordMethod::Episode",
        dirpath.display()
    )]
    NoStepTrigger {
        /// The state's video folder.
        dirpath: PathBuf,
    },

    /// A [`RecordState`](crate::record::RecordState) whose method is
    /// [`Episode`](crate::record::RecordMethod::Episode) but which has only
    /// a step trigger.
    #[error(
        "invalid configuration: RecordState for {}: method is episode but only a step_trigger is \
         set; set an episode_trigger or use RecordMethod::Step",
        dirpath.display()
    )]
    OnlyStepTrigger {
        /// The state's video folder.
        dirpath: PathBuf,
    },

    /// A grid ([`TileLayout`](crate::record::tile::TileLayout)) that cannot
    /// be made: no cells, a number of columns outside `1..=cells`, a cell
    /// side of 0, or a grid side that does not fit in a `u32`.
    #[error("invalid configuration: {}", grid_layout(*cells, *cols, *cell_size))]
    GridLayout {
        /// The cells asked for.
        cells: usize,
        /// The columns asked for.
        cols: usize,
        /// The cell size asked for, width × height.
        cell_size: (u32, u32),
    },

    /// A grid frame whose size is not its layout's.
    #[error(
        "invalid configuration: grid frame is {}x{} but a {rows}x{cols} grid of {}x{} cells is \
         {}x{}; make the grid frame with TileLayout::size",
        got.0, got.1, cell_size.0, cell_size.1, expected.0, expected.1
    )]
    GridFrameSize {
        /// The layout's size, width × height.
        expected: (u32, u32),
        /// The frame's size, width × height.
        got: (u32, u32),
        /// The layout's rows.
        rows: u32,
        /// The layout's columns.
        cols: u32,
        /// The layout's cell size, width × height.
        cell_size: (u32, u32),
    },

    /// The sub-envs of a vector env tile into a video larger than
    /// [`MAX_DIMENSION`](crate::video::MAX_DIMENSION) pixels a side.
    #[error(
        "invalid configuration: {env}: {cells} sub-envs of {}x{} tile into a {}x{} video, larger \
         than {max} pixels a side; record fewer sub-envs or only sub-env 0 \
         (VectorFrames::FirstOnly)",
        cell_size.0, cell_size.1, size.0, size.1
    )]
    TiledVideoTooLarge {
        /// The vector env, as `SyncVectorEnv(CartPole-v1, num_envs=4)`.
        env: String,
        /// The cells of the grid.
        cells: usize,
        /// A sub-env's frame size, width × height.
        cell_size: (u32, u32),
        /// The tiled video's size, width × height.
        size: (u32, u32),
        /// The largest side a video may have.
        max: u32,
    },

    /// A vector env made of no sub-envs.
    #[error(
        "invalid configuration: SyncVectorEnv needs at least one sub-env; pass a non-empty Vec of \
         envs"
    )]
    NoSubEnvs,

    /// A sub-env of a vector env whose action or observation space differs
    /// from sub-env 0's.
    #[error(
        "invalid configuration: SyncVectorEnv: sub-env {index} has the {space} space {got} but \
         sub-env 0 has {expected}; every sub-env must have the same spaces"
    )]
    SubEnvSpaces {
        /// The sub-env at fault.
        index: usize,
        /// Which space: `"action"` or `"observation"`.
        space: &'static str,
        /// Its space, described.
        got: String,
        /// Sub-env 0's space, described.
        expected: String,
    },

    /// An env whose metadata declares a `render_fps` of 0, recorded with no
    /// fps set.
    #[error("invalid configuration: {env} declares render_fps 0; set the video fps explicitly")]
    ZeroRenderFps {
        /// The env id or name.
        env: String,
    },

    /// `TrainState::analytics_update` was called with no analytics state.
    #[cfg(feature = "train")]
    #[error(
        "invalid configuration: analytics_update() needs an analytics state; set \
         TrainState::analytics_state = Some(AnalyticsState::new(\"project\")) first"
    )]
    NoAnalyticsState,

    /// The training env has no [`EnvSpec`](crate::env::EnvSpec), which
    /// something needs: its name (for videos and checkpoints), or the env of
    /// the final evaluation episode.
    #[cfg(feature = "train")]
    #[error("invalid configuration: the training env has no spec to {needed_for}; {advice}")]
    NoEnvSpec {
        /// What needs the spec, as `take its name from`.
        needed_for: &'static str,
        /// What to do.
        advice: &'static str,
    },

    /// The training env is gone: a callback took it to wrap it and failed.
    #[cfg(feature = "train")]
    #[error(
        "the training env was lost when a callback failed to wrap it; fix the callback's error \
         and start again"
    )]
    EnvLost,

    /// A metrics database written by a newer gymrec (a higher schema
    /// version).
    #[cfg(feature = "train")]
    #[error(
        "{path}: metrics schema version {version} is newer than this gymrec's ({supported}); use \
         a newer gymrec or another file"
    )]
    MetricsSchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        version: i64,
        /// The newest schema version this gymrec reads.
        supported: i64,
    },

    /// A metrics database has no experiment with this id.
    #[cfg(feature = "train")]
    #[error("{path}: there is no experiment {experiment_id}; start one with start_experiment")]
    UnknownExperiment {
        /// The database file (`:memory:` for an in-memory store).
        path: PathBuf,
        /// The id asked for.
        experiment_id: i64,
    },

    /// Training ended before its first episode did, so there is nothing to
    /// summarize.
    #[cfg(feature = "train")]
    #[error("training ended before its first episode")]
    NoEpisodes,

    /// A training callback's `dirname` that is not a plain folder name (it
    /// becomes `<root>/<dirname>/<sub>`).
    #[cfg(feature = "train")]
    #[error(
        "invalid configuration: dirname {dirname:?} must be a plain folder name (it becomes \
         {root}/<dirname>/{sub}); choose the parent folder with root()"
    )]
    InvalidDirname {
        /// The dirname as given.
        dirname: String,
        /// The callback's root folder.
        root: PathBuf,
        /// The callback's own folder under it: `videos` or `saves`.
        sub: String,
    },

    /// A heuristic policy was asked for an env that has none.
    #[error(
        "invalid configuration: no heuristic policy for {env:?}; there is one for CartPole-v1, \
         MountainCar-v0, Pendulum-v1 and Acrobot-v1 (use the random policy otherwise)"
    )]
    NoHeuristic {
        /// The env id.
        env: String,
    },

    /// A policy name that is not `random` or `heuristic` (parsing a
    /// [`PolicyKind`](crate::policy::PolicyKind)).
    #[error("invalid configuration: policy {name:?}: expected random or heuristic")]
    UnknownPolicy {
        /// The name as given.
        name: String,
    },

    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The video encoder or muxer failed while writing a file.
    ///
    /// [`source`](std::error::Error::source) is the backend's error when
    /// there is one: FFmpeg's, OpenH264's, the `gif` or `png` encoder's,
    /// `mp4-atom`'s, or an [`std::io::Error`]. An FFmpeg system error
    /// (`AVERROR(errno)`, such as a missing folder) is an `io::Error` of the
    /// errno's kind wrapping FFmpeg's error.
    #[error("{path}: cannot write the video: {}", Detail(what, source.as_deref(), hint))]
    Encode {
        /// The video file being written.
        path: PathBuf,
        /// What failed, as `cannot write a packet`.
        what: String,
        /// What to check, as `check that the disk is not full`; empty when
        /// there is nothing to add.
        hint: &'static str,
        /// The backend's error, shown in parentheses after `what`.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A written video could not be opened or decoded.
    ///
    /// [`source`](std::error::Error::source) is the decoder's error when
    /// there is one (FFmpeg's, `image`'s, `png`'s, or an
    /// [`std::io::Error`], as [`Encode`](Error::Encode) has).
    #[error("{path}: cannot read the video: {}", Detail(what, source.as_deref(), hint))]
    Decode {
        /// The video file being read.
        path: PathBuf,
        /// What failed, as `cannot decode a frame`.
        what: String,
        /// What to check, as `is it a complete GIF file?`; empty when there
        /// is nothing to add.
        hint: &'static str,
        /// The decoder's error, shown in parentheses after `what`.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A frame whose size differs from the video's.
    #[error(
        "{path}: frame is {}x{} but the video is {}x{}; every frame of a video must have the \
         same size (render at a fixed size, or start a new video)",
        got.0, got.1, expected.0, expected.1
    )]
    FrameSize {
        /// The video file being written.
        path: PathBuf,
        /// The video's size, width × height.
        expected: (u32, u32),
        /// The frame's size, width × height.
        got: (u32, u32),
    },

    /// The encoder thread of a video has stopped after an earlier error and
    /// takes no more frames.
    #[error(
        "{path}: the video writer has stopped and takes no more frames ({reason}); start a new \
         video"
    )]
    WriterStopped {
        /// The video file being written.
        path: PathBuf,
        /// Why it stopped: the earlier error, as text.
        reason: String,
        /// When the earlier error was an I/O failure, an [`std::io::Error`]
        /// of its kind (a full disk stays
        /// [`StorageFull`](std::io::ErrorKind::StorageFull)); its text is in
        /// `reason`.
        #[source]
        source: Option<std::io::Error>,
    },

    /// A vector env was given a batch (actions, seeds) whose length is not
    /// its number of sub-envs.
    #[error("{env}: {got} {what} given for {expected} sub-envs; give exactly one per sub-env")]
    BatchLength {
        /// The vector env, as `SyncVectorEnv(CartPole-v1, num_envs=4)`.
        env: String,
        /// What the batch holds: `"actions"` or `"seeds"`.
        what: &'static str,
        /// How many were given.
        got: usize,
        /// How many sub-envs there are.
        expected: usize,
    },

    /// A sub-env index beyond a vector env's sub-envs.
    #[error(
        "{env}: there is no sub-env {index}; the sub-envs are numbered 0 to {}",
        num_envs.saturating_sub(1)
    )]
    SubEnvIndex {
        /// The vector env, as `SyncVectorEnv(CartPole-v1, num_envs=4)`.
        env: String,
        /// The index asked for.
        index: usize,
        /// How many sub-envs there are.
        num_envs: usize,
    },

    /// A sub-env frame whose size differs from the cells of the grid it is
    /// tiled into.
    #[error(
        "{what}: frame is {}x{} but the grid's cells are {}x{}; every sub-env of a tiled video \
         must render frames of one size (or record only sub-env 0)",
        got.0, got.1, expected.0, expected.1
    )]
    TileSize {
        /// The sub-env or cell, as `CartPole-v1 sub-env 2`.
        what: String,
        /// The cell size, width × height.
        expected: (u32, u32),
        /// The frame's size, width × height.
        got: (u32, u32),
    },

    /// The training metrics database could not be opened, read or written.
    #[cfg(feature = "train")]
    #[error("{path}: metrics database: {what}: {source}")]
    Metrics {
        /// The database file (`:memory:` for an in-memory store).
        path: PathBuf,
        /// What was being done, naming the experiment or episode.
        what: String,
        /// SQLite's error (today a `rusqlite::Error`).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A TensorBoard event file or its run folder could not be made or
    /// written. [`source`](std::error::Error::source) is the
    /// [`std::io::Error`].
    #[cfg(feature = "tensorboard")]
    #[error(
        "{path}: TensorBoard event file: {what}: {source}; check that the folder is writable and the disk is not full"
    )]
    EventFile {
        /// The event file (or the run folder).
        path: PathBuf,
        /// What failed, as `cannot append events`.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A TensorBoard event file holds a record that TensorBoard's strict
    /// reader rejects: a CRC that does not match, or a record cut short.
    #[cfg(feature = "tensorboard")]
    #[error("{path}: the record at byte {offset} is corrupt: {what}")]
    EventRecord {
        /// The event file.
        path: PathBuf,
        /// Where the record starts, in bytes from the file's start.
        offset: u64,
        /// What is wrong with it.
        what: &'static str,
    },

    /// A JSON file (trained weights, a checkpoint) could not be parsed or written.
    #[cfg(feature = "train")]
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error (today a `serde_json::Error`).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A file or folder that must not exist yet already does: a video the
    /// recorder would write (unless `overwrite(true)`), a training run's
    /// checkpoints or videos folder.
    #[error("{path} already exists; {advice}")]
    AlreadyExists {
        /// The file or folder.
        path: PathBuf,
        /// What to do about it.
        advice: String,
    },

    /// An agent was given something it cannot use: an observation of the
    /// wrong size, an action space it does not support, a state it cannot load.
    /// Build it with [`Error::agent`].
    #[cfg(feature = "train")]
    #[error("{agent}: {message}")]
    Agent {
        /// The agent's name.
        agent: String,
        /// What is wrong and what to do (with the text of `source`, when
        /// there is one).
        message: String,
        /// The error that made the agent refuse, when there is one (a saved
        /// policy that fails its checks: the check's [`Error::Agent`]).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A video folder's sidecar or index could not be written or read.
    #[error("{path}: {message}")]
    Manifest {
        /// The sidecar or index file.
        path: PathBuf,
        /// What failed and what to do, with the text of `source`.
        message: String,
        /// The JSON error (today a `serde_json::Error`).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A video format whose backend this build of gymrec does not have.
    #[error(
        "gymrec was built without the `{feature}` feature, so it cannot write or read {format} \
         videos; build with `--features {feature}`, or pick a format this build has: {}",
        if available.is_empty() { "none".to_string() } else { available.join(", ") }
    )]
    FormatUnavailable {
        /// The format asked for (`mp4`, `webm`, `gif`, `png`).
        format: String,
        /// The Cargo feature that brings its backend.
        feature: &'static str,
        /// The formats this build has.
        available: Vec<String>,
    },

    /// A video path whose extension names no format gymrec writes.
    #[error(
        "{path}: gymrec cannot tell the video format from the extension .{extension}; name the \
         file with one this build writes ({}), or set the format explicitly",
        available.join(", ")
    )]
    UnknownExtension {
        /// The path given.
        path: PathBuf,
        /// Its extension, without the dot.
        extension: String,
        /// What this build can write: `.mp4`, `.webm`, `.gif`, `a folder (png)`.
        available: Vec<String>,
    },

    /// A frame handed to an env's `render_into` whose size is not the env's
    /// `frame_size()`: the caller must hand it a frame of that size.
    #[error(
        "{env}: render_into was handed a {}x{} frame but the env renders {}x{} frames; hand it a \
         frame of the size Env::frame_size() gives",
        got.0, got.1, expected.0, expected.1
    )]
    RenderSize {
        /// The env id or name.
        env: String,
        /// The env's frame size, width × height.
        expected: (u32, u32),
        /// The size of the frame it was handed, width × height.
        got: (u32, u32),
    },

    /// A [`crate::FrameRenderer`] read past the end of a
    /// [`crate::Snapshot`]: the snapshot was written by another env, or
    /// with fewer values than its renderer reads.
    #[error(
        "a snapshot of {len} bytes was read as one of at least {needed}: the env's \
         snapshot_into and its renderer disagree on what a snapshot holds"
    )]
    SnapshotTooShort {
        /// Bytes the reader needed.
        needed: usize,
        /// Bytes the snapshot held.
        len: usize,
    },

    /// A snapshot was sent to a video writer made without a renderer.
    #[error(
        "{}: a snapshot was submitted to a writer with no renderer; make it with \
         WriterOptions::renderer, or submit frames",
        path.display()
    )]
    NoRenderer {
        /// The video being written.
        path: std::path::PathBuf,
    },

    /// An env was asked for a snapshot of its picture
    /// ([`crate::env::Env::snapshot_into`]) but offers no deferred
    /// rendering (its `frame_renderer()` is `None`).
    #[error(
        "{env} offers no deferred rendering (its frame_renderer() is None): render it with \
         render_into instead"
    )]
    NoSnapshot {
        /// The env id or name.
        env: String,
    },

    /// An env's own failure, raised by its implementation (a simulator that
    /// crashed, a file it could not load, an invalid internal state).
    /// [`std::error::Error::source`] gives the underlying error. Build it
    /// with [`Error::env`].
    #[error("{env}: {source}")]
    Env {
        /// The env id or name.
        env: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// An experiment tracker (an MLflow server) refused or could not be
    /// reached for something gymrec meant to send it: a run, metrics, an
    /// artifact. The local files are never affected.
    /// [`source`](std::error::Error::source) is the HTTP client's error or
    /// the server's answer, when there is one (feature `mlflow`).
    #[cfg(feature = "mlflow")]
    #[error("{server}: {what}{}", match source {
        Some(source) => format!(" ({source})"),
        None => String::new(),
    })]
    Tracker {
        /// The server, as its tracking URI.
        server: String,
        /// What was not done, as `rl-video-episode-0.mp4 not uploaded after
        /// 6 attempts; check that the server is up`.
        what: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// `Result` with gymrec's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
