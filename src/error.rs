//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in gymrec.
///
/// Every variant names the thing at fault (an env id, a path, a value) and,
/// where there is one, what to do about it.
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

    /// A configuration that contradicts itself or is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

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
        /// The underlying error.
        #[source]
        source: image::ImageError,
    },

    /// The video encoder or muxer failed while writing a file.
    #[error("{path}: cannot write the video: {message}")]
    Encode {
        /// The video file being written.
        path: PathBuf,
        /// What failed, FFmpeg's own message, and what to check.
        message: String,
    },

    /// A written video could not be opened or decoded.
    #[error("{path}: cannot read the video: {message}")]
    Decode {
        /// The video file being read.
        path: PathBuf,
        /// What failed, FFmpeg's own message, and what to check.
        message: String,
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
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A JSON file (trained weights, a checkpoint) could not be parsed or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },

    /// A folder that must not exist yet already does (checkpoints, videos).
    #[error("{path} already exists; {advice}")]
    AlreadyExists {
        /// The folder.
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
}
