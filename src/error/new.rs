//! The constructors of [`Error`] variants whose fields are filled the same
//! way at every call site.

use super::Error;
use std::path::PathBuf;

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
    #[cfg(feature = "tensorboard")]
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

    /// An [`Error::Agent`] with no underlying error: agent `agent` cannot
    /// use what it was given; `message` says what and what to do.
    ///
    /// ```
    /// let err = gymrec::Error::agent("DQN", "observation of 3 values, but the agent was made for 4");
    /// assert_eq!(err.to_string(), "DQN: observation of 3 values, but the agent was made for 4");
    /// assert_eq!(err.kind(), gymrec::ErrorKind::Train);
    /// ```
    #[cfg(feature = "train")]
    pub fn agent(agent: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Agent {
            agent: agent.into(),
            message: message.into(),
            source: None,
        }
    }
}
