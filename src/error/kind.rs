//! [`ErrorKind`]: the category of an [`Error`], for code that reacts to a
//! kind of failure rather than to one variant.

use super::Error;

/// The category of an [`Error`], as [`Error::kind`] gives it: what a caller
/// can do about the error, without naming each of its variants.
///
/// ```
/// use gymrec::{Error, ErrorKind};
///
/// let err = gymrec::video::VideoSpec::new(64, 48, 0).validate().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// let err = Error::io("videos", std::io::ErrorKind::PermissionDenied.into());
/// assert_eq!(err.kind(), ErrorKind::Io);
/// ```
///
/// New kinds may come with new features (the experiment trackers will have
/// one), hence `#[non_exhaustive]`. Every kind exists in every build; the
/// errors of [`Train`](ErrorKind::Train) and
/// [`TensorBoard`](ErrorKind::TensorBoard) only with those features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting, argument or frame the caller gave is invalid: a value out
    /// of range ([`Error::OutOfRange`]), a name or text that parses to
    /// nothing, a format this build lacks, a frame of the wrong size, a
    /// vector env or grid that cannot be made. Fix the call.
    Config,
    /// An env refused what it was asked or failed on its own: an unknown
    /// id, an action outside its space, a step before `reset`, no frames
    /// to render, a batch or sub-env that does not fit a vector env, an
    /// env implementation's own error ([`Error::Env`]).
    Env,
    /// The video encoder, muxer or decoder failed, or a writer stopped after
    /// such a failure ([`Error::Encode`], [`Error::Decode`],
    /// [`Error::WriterStopped`]). [`Error::io_kind`] tells whether a disk
    /// failure is behind it.
    Video,
    /// A file or folder could not be read or written ([`Error::Io`]).
    Io,
    /// A file or folder that must not exist yet already does
    /// ([`Error::AlreadyExists`]): choose another name, or allow
    /// overwriting.
    AlreadyExists,
    /// A video folder's sidecar or `index.jsonl` could not be written or
    /// read ([`Error::Manifest`]).
    Catalog,
    /// A TensorBoard event file could not be written, or holds a corrupt
    /// record (feature `tensorboard`).
    TensorBoard,
    /// Training failed while it ran: the metrics database, an agent, a
    /// JSON checkpoint, the training env lost, no episode finished (feature
    /// `train`). A training *setting* that is invalid is
    /// [`Config`](ErrorKind::Config).
    Train,
    /// An experiment tracker (an MLflow server) refused something gymrec
    /// meant to send it, or could not be reached: a run, metrics, an
    /// artifact ([`Error::Tracker`], feature `mlflow`). Recording goes on
    /// and local files are never affected.
    Tracker,
}

impl ErrorKind {
    /// Every kind, in declaration order. A binding that maps each kind to
    /// something of its own (the Python package maps them to exception
    /// classes) can assert this list's length at compile time, so that a
    /// kind added here fails its build until it is mapped:
    ///
    /// ```
    /// use gymrec::ErrorKind;
    ///
    /// const _: () = assert!(ErrorKind::ALL.len() == 9, "map the new ErrorKind");
    /// assert!(ErrorKind::ALL.contains(&ErrorKind::AlreadyExists));
    /// ```
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Config,
        ErrorKind::Env,
        ErrorKind::Video,
        ErrorKind::Io,
        ErrorKind::AlreadyExists,
        ErrorKind::Catalog,
        ErrorKind::TensorBoard,
        ErrorKind::Train,
        ErrorKind::Tracker,
    ];
}

impl Error {
    /// The category of this error.
    ///
    /// ```
    /// use gymrec::{Error, ErrorKind};
    ///
    /// assert_eq!(Error::reset_needed("GridWalk").kind(), ErrorKind::Env);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        // No `_` arm: a new variant does not compile until it is classified.
        match self {
            Error::OutOfRange { .. }
            | Error::NotFinite { .. }
            | Error::InvalidNamePrefix { .. }
            | Error::InvalidNameSuffix { .. }
            | Error::InvalidTrigger { .. }
            | Error::UnknownFormat { .. }
            | Error::UnknownPreset { .. }
            | Error::NoStepTrigger { .. }
            | Error::OnlyStepTrigger { .. }
            | Error::GridLayout { .. }
            | Error::GridFrameSize { .. }
            | Error::TiledVideoTooLarge { .. }
            | Error::NoSubEnvs
            | Error::SubEnvSpaces { .. }
            | Error::ZeroRenderFps { .. }
            | Error::NoHeuristic { .. }
            | Error::UnknownPolicy { .. }
            | Error::FormatUnavailable { .. }
            | Error::UnknownExtension { .. }
            | Error::FrameSize { .. }
            | Error::NoRenderer { .. } => ErrorKind::Config,
            #[cfg(feature = "train")]
            Error::NoAnalyticsState | Error::NoEnvSpec { .. } | Error::InvalidDirname { .. } => {
                ErrorKind::Config
            }
            Error::UnknownEnv { .. }
            | Error::InvalidAction { .. }
            | Error::ResetNeeded { .. }
            | Error::NoFrames { .. }
            | Error::StateLength { .. }
            | Error::BatchLength { .. }
            | Error::SubEnvIndex { .. }
            | Error::TileSize { .. }
            | Error::RenderSize { .. }
            | Error::SnapshotTooShort { .. }
            | Error::NoSnapshot { .. }
            | Error::Env { .. } => ErrorKind::Env,
            Error::Encode { .. } | Error::Decode { .. } | Error::WriterStopped { .. } => {
                ErrorKind::Video
            }
            Error::Io { .. } => ErrorKind::Io,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::Manifest { .. } => ErrorKind::Catalog,
            #[cfg(feature = "tensorboard")]
            Error::EventFile { .. } | Error::EventRecord { .. } => ErrorKind::TensorBoard,
            #[cfg(feature = "train")]
            Error::Metrics { .. }
            | Error::MetricsSchemaTooNew { .. }
            | Error::UnknownExperiment { .. }
            | Error::NoEpisodes
            | Error::EnvLost
            | Error::Json { .. }
            | Error::Agent { .. } => ErrorKind::Train,
            #[cfg(feature = "mlflow")]
            Error::Tracker { .. } => ErrorKind::Tracker,
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

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// `ALL` lists every kind once, in order. The match has no `_` arm, so
    /// a new kind does not compile here until it has a position, which
    /// this test then requires `ALL` to hold.
    #[test]
    fn all_lists_every_kind_once_in_order() {
        fn position(kind: ErrorKind) -> usize {
            match kind {
                ErrorKind::Config => 0,
                ErrorKind::Env => 1,
                ErrorKind::Video => 2,
                ErrorKind::Io => 3,
                ErrorKind::AlreadyExists => 4,
                ErrorKind::Catalog => 5,
                ErrorKind::TensorBoard => 6,
                ErrorKind::Train => 7,
                ErrorKind::Tracker => 8,
            }
        }
        for (index, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(position(*kind), index, "{kind:?}");
        }
    }
}
