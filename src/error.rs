//! The crate's one error type, and [`Setting`], the numeric settings that
//! [`Error::OutOfRange`] names.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Everything that can go wrong in gymrec.
///
/// Every variant names the thing at fault (an env id, a path, a value) and,
/// where there is one, what to do about it. Configuration errors have a
/// variant per rule ([`OutOfRange`](Error::OutOfRange) for the numeric ones,
/// with a [`Setting`]), so code can tell them apart with `matches!`:
///
/// ```
/// use gymrec::{Error, Setting};
///
/// let err = gymrec::video::VideoSpec::new(64, 48, 0).validate().unwrap_err();
/// assert!(matches!(err, Error::OutOfRange { setting: Setting::Fps, value: 0, .. }));
/// assert!(err.to_string().contains("fps = 0"));
/// ```
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
    #[error(
        "invalid configuration: analytics_update() needs an analytics state; set \
         TrainState::analytics_state = Some(AnalyticsState::new(\"project\")) first"
    )]
    NoAnalyticsState,

    /// The training env has no [`EnvSpec`](crate::env::EnvSpec), which
    /// something needs: its name (for videos and checkpoints), or the env of
    /// the final evaluation episode.
    #[error("invalid configuration: the training env has no spec to {needed_for}; {advice}")]
    NoEnvSpec {
        /// What needs the spec, as `take its name from`.
        needed_for: &'static str,
        /// What to do.
        advice: &'static str,
    },

    /// The training env is gone: a callback took it to wrap it and failed.
    #[error(
        "the training env was lost when a callback failed to wrap it; fix the callback's error \
         and start again"
    )]
    EnvLost,

    /// A metrics database written by a newer gymrec (a higher schema
    /// version).
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
    #[error("{path}: there is no experiment {experiment_id}; start one with start_experiment")]
    UnknownExperiment {
        /// The database file (`:memory:` for an in-memory store).
        path: PathBuf,
        /// The id asked for.
        experiment_id: i64,
    },

    /// Training ended before its first episode did, so there is nothing to
    /// summarize.
    #[error("training ended before its first episode")]
    NoEpisodes,

    /// A training callback's `dirname` that is not a plain folder name (it
    /// becomes `<root>/<dirname>/<sub>`).
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

    /// An image could not be encoded or decoded.
    #[error("{path}: {source}")]
    Image {
        /// The file.
        path: PathBuf,
        /// The underlying error (today an `image::ImageError`).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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
    #[error("{agent}: {message}")]
    Agent {
        /// The agent's name.
        agent: String,
        /// What is wrong and what to do.
        message: String,
    },

    /// A video folder's sidecar or index could not be written or read.
    #[error("{path}: {message}")]
    Manifest {
        /// The sidecar or index file.
        path: PathBuf,
        /// What failed and what to do.
        message: String,
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
         WriterOptions::create_deferred, or submit frames",
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
    /// the server's answer, when there is one.
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

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Encode`] for the video at `path`: `what` failed with
    /// `source` (the backend's error, kept as [`std::error::Error::source`]);
    /// `hint` says what to check (may be empty).
    pub fn encode(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        hint: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Encode {
            path: path.into(),
            what: what.into(),
            hint,
            source: Some(source.into()),
        }
    }

    /// An [`Error::EventFile`]: `what` failed on the event file (or run
    /// folder) at `path` with `source`.
    pub fn event_file(
        path: impl Into<PathBuf>,
        what: &'static str,
        source: std::io::Error,
    ) -> Self {
        Error::EventFile {
            path: path.into(),
            what,
            source,
        }
    }

    /// An [`Error::Encode`] for the video at `path` with no underlying
    /// error: `what` failed; `hint` says what to do.
    pub fn encode_failed(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        hint: &'static str,
    ) -> Self {
        Error::Encode {
            path: path.into(),
            what: what.into(),
            hint,
            source: None,
        }
    }

    /// An [`Error::Env`]: env `env` failed with `source`, which can be any
    /// error type or a message (`&str`, `String`).
    ///
    /// ```
    /// let err = gymrec::Error::env("GridWalk", "the walker left the grid");
    /// assert_eq!(err.to_string(), "GridWalk: the walker left the grid");
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    pub fn env(
        env: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Env {
            env: env.into(),
            source: source.into(),
        }
    }

    /// An [`Error::ResetNeeded`]: env `env` was stepped before its first
    /// `reset()`.
    ///
    /// ```
    /// let err = gymrec::Error::reset_needed("GridWalk");
    /// assert_eq!(err.to_string(), "GridWalk: step() called before reset(); call reset() first");
    /// ```
    pub fn reset_needed(env: impl Into<String>) -> Self {
        Error::ResetNeeded {
            env: env.into(),
            when: "before reset()",
        }
    }

    /// An [`Error::ResetNeeded`]: env `env` was stepped after its episode
    /// ended (terminated or truncated) and before the next `reset()`.
    ///
    /// ```
    /// let err = gymrec::Error::step_after_end("GridWalk");
    /// assert_eq!(
    ///     err.to_string(),
    ///     "GridWalk: step() called after the episode ended; call reset() first"
    /// );
    /// ```
    pub fn step_after_end(env: impl Into<String>) -> Self {
        Error::ResetNeeded {
            env: env.into(),
            when: "after the episode ended",
        }
    }

    /// The [`kind`](std::io::Error::kind) of the I/O failure behind this
    /// error, if there is one: the first [`std::io::Error`] along the
    /// [`source`](std::error::Error::source) chain (for
    /// [`WriterStopped`](Error::WriterStopped), the kind of the earlier
    /// error).
    ///
    /// ```
    /// use std::io::ErrorKind;
    ///
    /// let err = gymrec::Error::io("videos", std::io::Error::from(ErrorKind::StorageFull));
    /// assert_eq!(err.io_kind(), Some(ErrorKind::StorageFull));
    /// ```
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = next {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                return Some(io.kind());
            }
            next = error.source();
        }
        None
    }
}

/// A numeric setting, as [`Error::OutOfRange`] names it.
///
/// Its `Display` is the setting's name in messages (`video fps`,
/// `encoder crf`, `Trainer log_freq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// A video's frame width in pixels ([`VideoSpec::width`](crate::video::VideoSpec::width)),
    /// also a tiled video's.
    VideoWidth,
    /// A video's frame height in pixels ([`VideoSpec::height`](crate::video::VideoSpec::height)).
    VideoHeight,
    /// A video's frames per second, wherever it is set
    /// ([`RecordingConfig::fps`](crate::record::RecordingConfig::fps),
    /// [`VideoSpec::fps`](crate::video::VideoSpec::fps)).
    Fps,
    /// A GIF's frame rate, which is at most
    /// [`GIF_MAX_FPS`](crate::video::GIF_MAX_FPS) (frame delays are whole
    /// hundredths of a second).
    GifFps,
    /// [`EncoderSettings::crf`](crate::video::EncoderSettings::crf).
    Crf,
    /// [`EncoderSettings::threads`](crate::video::EncoderSettings::threads).
    Threads,
    /// [`EncoderSettings::keyframe_interval`](crate::video::EncoderSettings::keyframe_interval).
    KeyframeInterval,
    /// The frames that may wait for the encoder
    /// ([`RecordingConfig::queue_capacity`](crate::record::RecordingConfig::queue_capacity)).
    QueueCapacity,
    /// The videos that may encode at once
    /// ([`RecordingConfig::parallel_videos`](crate::record::RecordingConfig::parallel_videos)).
    ParallelVideos,
    /// The `n` of [`Trigger::every`](crate::record::Trigger::every).
    TriggerEvery,
    /// The step limit of [`Registry::make_with_limit`](crate::env::registry::Registry::make_with_limit).
    MaxEpisodeSteps,
    /// `RecordVideos` (training)' frequency.
    RecordVideosFrequency,
    /// `SaveCheckpoints` (training)' frequency.
    SaveCheckpointsFrequency,
    /// The episodes a `Trainer` (training) runs.
    TrainerEpisodes,
    /// `Trainer::log_freq` (training).
    TrainerLogFreq,
    /// `Trainer::window` (training).
    TrainerWindow,
    /// `Trainer::max_steps` (training).
    TrainerMaxSteps,
    /// The `reward_window` of
    /// `MetricsStore::start_experiment` (training).
    RewardWindow,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::VideoWidth => "video width",
            Setting::VideoHeight => "video height",
            Setting::Fps | Setting::GifFps => "video fps",
            Setting::Crf => "encoder crf",
            Setting::Threads => "encoder threads",
            Setting::KeyframeInterval => "encoder keyframe_interval",
            Setting::QueueCapacity => "queue_capacity",
            Setting::ParallelVideos => "parallel_videos",
            Setting::TriggerEvery => "every(n)",
            Setting::MaxEpisodeSteps => "max_episode_steps",
            Setting::RecordVideosFrequency => "RecordVideos frequency",
            Setting::SaveCheckpointsFrequency => "SaveCheckpoints frequency",
            Setting::TrainerEpisodes => "Trainer episodes",
            Setting::TrainerLogFreq => "Trainer log_freq",
            Setting::TrainerWindow => "Trainer window",
            Setting::TrainerMaxSteps => "Trainer max_steps",
            Setting::RewardWindow => "reward_window",
        })
    }
}

/// The message of [`Error::OutOfRange`] (after `invalid configuration: `).
fn out_of_range(
    setting: Setting,
    value: u64,
    allowed: &RangeInclusive<u64>,
    context: Option<&str>,
) -> String {
    let (lo, hi) = (*allowed.start(), *allowed.end());
    // "in 1..=51", or "at least 1" for an open range.
    let range = if hi == u64::MAX {
        format!("at least {lo}")
    } else {
        format!("in {lo}..={hi}")
    };
    let message = match setting {
        Setting::VideoWidth | Setting::VideoHeight => {
            format!("{setting} = {value} is out of range; it must be {range} pixels")
        }
        Setting::Fps if value < lo => format!(
            "{setting} = {value} is out of range; it must be at least {lo} frame per second"
        ),
        Setting::GifFps => format!(
            "{setting} = {value} is too high for GIF, which plays at most {hi} fps (frame delays \
             are whole hundredths of a second and browsers slow shorter ones down); set fps to \
             {hi} or less, or pick mp4 or webm"
        ),
        Setting::Fps if value > hi => {
            format!("{setting} = {value} is out of range; it must be at most {hi}")
        }
        Setting::Crf => format!(
            "{setting} = {value} is out of range; it must be {range} (lower is better quality)"
        ),
        Setting::KeyframeInterval => format!(
            "{setting} = {value} is out of range; it must be at least {lo} frame, or None for one \
             keyframe a second"
        ),
        Setting::QueueCapacity => {
            format!("{setting} is {value}; the encoder queue needs room for at least {lo} frame")
        }
        Setting::ParallelVideos => format!(
            "{setting} is {value}; at least {lo} video must be able to encode (1 encodes one \
             video at a time)"
        ),
        Setting::TriggerEvery => format!(
            "{setting} needs n >= {lo} (every {value}th id means nothing; use Trigger::never())"
        ),
        Setting::MaxEpisodeSteps => format!("{setting} must be {range}"),
        Setting::RecordVideosFrequency => {
            format!("{setting} is {value}; record every {lo} or more episodes or steps")
        }
        Setting::SaveCheckpointsFrequency => {
            format!("{setting} is {value}; save every {lo} or more episodes")
        }
        Setting::TrainerEpisodes
        | Setting::TrainerLogFreq
        | Setting::TrainerWindow
        | Setting::TrainerMaxSteps => format!("{setting} is {value}; it must be {range}"),
        Setting::RewardWindow => {
            format!("{setting} is {value}; the moving statistics need at least {lo} episode")
        }
        Setting::Fps | Setting::Threads => {
            format!("{setting} = {value} is out of range; it must be {range}")
        }
    };
    match context {
        Some(context) => format!("{context}: {message}"),
        None => message,
    }
}

/// The message of [`Error::GridLayout`] (after `invalid configuration: `).
fn grid_layout(cells: usize, cols: usize, cell_size: (u32, u32)) -> String {
    let (width, height) = cell_size;
    if cells == 0 || cols == 0 || cols > cells {
        format!(
            "a grid of {cells} cells in {cols} columns: there must be at least one cell and \
             between 1 and {cells} columns"
        )
    } else if width == 0 || height == 0 {
        format!("grid cells of {width}x{height} pixels: frames must be at least 1x1")
    } else {
        let rows = cells.div_ceil(cols);
        format!(
            "a grid of {rows}x{cols} cells of {width}x{height} pixels is too large for a frame; \
             tile fewer or smaller frames"
        )
    }
}

/// `what`, then ` (source)` when there is a source, then `; hint` when
/// there is a hint: the detail of [`Error::Encode`] and [`Error::Decode`].
struct Detail<'a>(
    &'a str,
    Option<&'a (dyn std::error::Error + Send + Sync)>,
    &'a str,
);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Detail(what, source, hint) = self;
        f.write_str(what)?;
        if let Some(source) = source {
            write!(f, " ({source})")?;
        }
        if !hint.is_empty() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

    fn out_of_range(setting: Setting, value: u64, allowed: RangeInclusive<u64>) -> Error {
        Error::OutOfRange {
            setting,
            value,
            allowed,
            context: None,
        }
    }

    /// Each numeric rule's message is the text `InvalidConfig` carried.
    #[test]
    fn out_of_range_keeps_each_settings_message() {
        let at_least_1 = 1..=u64::MAX;
        let cases = [
            (
                out_of_range(Setting::VideoWidth, 0, 1..=16384),
                "video width = 0 is out of range; it must be in 1..=16384 pixels",
            ),
            (
                out_of_range(Setting::VideoHeight, 20000, 1..=16384),
                "video height = 20000 is out of range; it must be in 1..=16384 pixels",
            ),
            (
                out_of_range(Setting::Fps, 0, at_least_1.clone()),
                "video fps = 0 is out of range; it must be at least 1 frame per second",
            ),
            (
                out_of_range(Setting::GifFps, 60, 1..=50),
                "video fps = 60 is too high for GIF, which plays at most 50 fps (frame delays are \
                 whole hundredths of a second and browsers slow shorter ones down); set fps to 50 \
                 or less, or pick mp4 or webm",
            ),
            (
                out_of_range(Setting::Fps, 1 << 40, 1..=i32::MAX as u64),
                "video fps = 1099511627776 is out of range; it must be at most 2147483647",
            ),
            (
                out_of_range(Setting::Crf, 52, 0..=51),
                "encoder crf = 52 is out of range; it must be in 0..=51 (lower is better quality)",
            ),
            (
                out_of_range(Setting::Threads, 0, at_least_1.clone()),
                "encoder threads = 0 is out of range; it must be at least 1",
            ),
            (
                out_of_range(Setting::KeyframeInterval, 0, at_least_1.clone()),
                "encoder keyframe_interval = 0 is out of range; it must be at least 1 frame, or \
                 None for one keyframe a second",
            ),
            (
                out_of_range(Setting::QueueCapacity, 0, at_least_1.clone()),
                "queue_capacity is 0; the encoder queue needs room for at least 1 frame",
            ),
            (
                out_of_range(Setting::TriggerEvery, 0, at_least_1.clone()),
                "every(n) needs n >= 1 (every 0th id means nothing; use Trigger::never())",
            ),
            (
                Error::OutOfRange {
                    setting: Setting::MaxEpisodeSteps,
                    value: 0,
                    allowed: at_least_1.clone(),
                    context: Some("CartPole-v1".into()),
                },
                "CartPole-v1: max_episode_steps must be at least 1",
            ),
            (
                out_of_range(Setting::RecordVideosFrequency, 0, at_least_1.clone()),
                "RecordVideos frequency is 0; record every 1 or more episodes or steps",
            ),
            (
                out_of_range(Setting::SaveCheckpointsFrequency, 0, at_least_1.clone()),
                "SaveCheckpoints frequency is 0; save every 1 or more episodes",
            ),
            (
                out_of_range(Setting::TrainerEpisodes, 0, at_least_1.clone()),
                "Trainer episodes is 0; it must be at least 1",
            ),
            (
                out_of_range(Setting::TrainerLogFreq, 0, at_least_1.clone()),
                "Trainer log_freq is 0; it must be at least 1",
            ),
            (
                out_of_range(Setting::TrainerWindow, 0, at_least_1.clone()),
                "Trainer window is 0; it must be at least 1",
            ),
            (
                out_of_range(Setting::TrainerMaxSteps, 0, at_least_1.clone()),
                "Trainer max_steps is 0; it must be at least 1",
            ),
            (
                out_of_range(Setting::RewardWindow, 0, at_least_1),
                "reward_window is 0; the moving statistics need at least 1 episode",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), format!("invalid configuration: {text}"));
        }
    }

    /// The other configuration rules keep their texts too.
    #[test]
    fn specific_config_variants_keep_their_messages() {
        let cases = [
            (
                Error::InvalidNamePrefix { prefix: "".into() },
                "invalid configuration: name_prefix is empty; give a file-name prefix such as \
                 \"rl-video\"",
            ),
            (
                Error::InvalidNamePrefix {
                    prefix: "a/b".into(),
                },
                "invalid configuration: name_prefix \"a/b\" contains a path separator or \"..\"; \
                 it must be a plain file-name prefix (choose the folder with the video folder)",
            ),
            (
                Error::NoStepTrigger {
                    dirpath: "v".into(),
                },
                "invalid configuration: RecordState for v: method is step but no step_trigger is \
                 set; set one (for example Trigger::every(1000)) or use RecordMethod::Episode",
            ),
            (
                Error::OnlyStepTrigger {
                    dirpath: "v".into(),
                },
                "invalid configuration: RecordState for v: method is episode but only a \
                 step_trigger is set; set an episode_trigger or use RecordMethod::Step",
            ),
            (
                Error::GridLayout {
                    cells: 3,
                    cols: 4,
                    cell_size: (8, 8),
                },
                "invalid configuration: a grid of 3 cells in 4 columns: there must be at least \
                 one cell and between 1 and 3 columns",
            ),
            (
                Error::GridLayout {
                    cells: 3,
                    cols: 2,
                    cell_size: (0, 8),
                },
                "invalid configuration: grid cells of 0x8 pixels: frames must be at least 1x1",
            ),
            (
                Error::GridLayout {
                    cells: 3,
                    cols: 2,
                    cell_size: (u32::MAX, 8),
                },
                "invalid configuration: a grid of 2x2 cells of 4294967295x8 pixels is too large \
                 for a frame; tile fewer or smaller frames",
            ),
            (
                Error::GridFrameSize {
                    expected: (16, 8),
                    got: (10, 10),
                    rows: 1,
                    cols: 2,
                    cell_size: (8, 8),
                },
                "invalid configuration: grid frame is 10x10 but a 1x2 grid of 8x8 cells is 16x8; \
                 make the grid frame with TileLayout::size",
            ),
            (
                Error::NoEnvSpec {
                    needed_for: "take its name from",
                    advice: "make it with gymrec::make or a Registry, or give it an EnvSpec",
                },
                "invalid configuration: the training env has no spec to take its name from; make \
                 it with gymrec::make or a Registry, or give it an EnvSpec",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }

    #[test]
    fn errors_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
    }

    #[test]
    fn encode_and_decode_show_what_source_and_hint() {
        let err = Error::Encode {
            path: "v.mp4".into(),
            what: "cannot write a packet".into(),
            hint: "check that the disk is not full",
            source: Some(Box::new(std::io::Error::from(ErrorKind::StorageFull))),
        };
        assert_eq!(
            err.to_string(),
            format!(
                "v.mp4: cannot write the video: cannot write a packet ({}); check that the disk \
                 is not full",
                std::io::Error::from(ErrorKind::StorageFull)
            )
        );
        assert_eq!(err.io_kind(), Some(ErrorKind::StorageFull));
        let err = Error::Decode {
            path: "v.png".into(),
            what: "frame-000001.png is missing".into(),
            hint: "",
            source: None,
        };
        assert_eq!(
            err.to_string(),
            "v.png: cannot read the video: frame-000001.png is missing"
        );
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(err.io_kind(), None);
    }

    #[test]
    fn io_kind_finds_an_io_error_wrapped_in_another_crates_error() {
        // A `gif` encoding error whose source is the failed write.
        #[derive(Debug, thiserror::Error)]
        #[error("encoding failed")]
        struct Wrapper(#[source] std::io::Error);
        let err = Error::Encode {
            path: "v.gif".into(),
            what: "cannot write a frame".into(),
            hint: "",
            source: Some(Box::new(Wrapper(ErrorKind::NotFound.into()))),
        };
        assert_eq!(err.io_kind(), Some(ErrorKind::NotFound));
        let stopped = Error::WriterStopped {
            path: "v.gif".into(),
            reason: err.to_string(),
            source: err.io_kind().map(std::io::Error::from),
        };
        assert_eq!(stopped.io_kind(), Some(ErrorKind::NotFound));
        assert_eq!(Error::NoEpisodes.io_kind(), None);
    }
}
