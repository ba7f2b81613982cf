//! [`RecordingObserver`]: hooks called as videos start and finish, with
//! defaults that do nothing, so an observer implements only what it needs.
//!
//! ```
//! use gymrec::record::{RecordedVideo, RecordingConfig, RecordingObserver, Trigger};
//! use gymrec::env::RenderMode;
//!
//! /// Keeps only the videos of episodes that ended with a return below 50.
//! struct OnlyFailures;
//!
//! impl RecordingObserver for OnlyFailures {
//!     fn keep(&mut self, video: &RecordedVideo) -> bool {
//!         video.episodes.iter().any(|e| e.complete && e.ret < 50.0)
//!     }
//! }
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-observer-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let env = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .observer(OnlyFailures)
//!     .overwrite(true)
//!     .wrap(env)?;
//! # drop(env);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use super::video::{RecordedVideo, VideoStart};
use crate::Result;
use crate::video::{FrameTap, VideoSpec};
use std::path::Path;

/// Hooks into a [`super::RecordingWrapper`]'s videos. Every method has a
/// default that does nothing (or keeps the video).
///
/// Observers run on the env thread, when a video starts or is finalized
/// and when an episode ends (never per frame), in the order they were
/// added. An observer that needs
/// the frames themselves (a poster, a preview) returns a [`FrameTap`] from
/// [`frame_tap`](Self::frame_tap), which sees them on the encoder thread.
pub trait RecordingObserver: Send {
    /// A video has started and will be written to `path`.
    fn video_started(&mut self, path: &Path, started_by: VideoStart) {
        let _ = (path, started_by);
    }

    /// The video at `path` is being opened with `spec` (as it starts when
    /// the source declared a frame size, else at its first frame): a tap to see its every frame on the encoder thread, if this
    /// observer wants one. What the tap makes reaches the observer through
    /// whatever the two share, before [`keep`](Self::keep) is asked. The
    /// default wants none.
    fn frame_tap(&mut self, path: &Path, spec: &VideoSpec) -> Option<Box<dyn FrameTap>> {
        let _ = (path, spec);
        None
    }

    /// Whether a finished video is kept, asked before it gets its final
    /// name (`video.facts.path` is the name it is to get). Returning
    /// `false` deletes the file; `video_finished` is then not called. Any
    /// observer can veto. Only videos the config's
    /// [`keep`](super::RecordingConfig::keep) rule keeps are asked.
    fn keep(&mut self, video: &RecordedVideo) -> bool {
        let _ = video;
        true
    }

    /// Episode `episode` (the recorder's id, from 0) ended at a step,
    /// terminated or truncated, with return `ret` after `length` steps;
    /// called for every episode, recorded or not, on the env thread. An
    /// episode cut short by a reset is not reported. The default does
    /// nothing.
    fn episode_finished(&mut self, episode: u64, ret: f64, length: u64) {
        let _ = (episode, ret, length);
    }

    /// A video was finalized and kept. An error is collected into the
    /// wrapper's report; the video stays on disk.
    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        let _ = video;
        Ok(())
    }

    /// The finished video at `path` was deleted by retention
    /// ([`RecordingConfig::keep_last`](super::RecordingConfig::keep_last),
    /// [`max_bytes`](super::RecordingConfig::max_bytes)), oldest first,
    /// possibly a video another recorder wrote: an observer removes what it
    /// wrote beside it (the catalog's sidecar, poster, index lines and
    /// gallery card). The default does nothing (a tracker keeps what it
    /// has). An error is collected into the report.
    fn video_removed(&mut self, path: &Path) -> Result<()> {
        let _ = path;
        Ok(())
    }

    /// The recorder's report is being taken (`take_report`, `finish`,
    /// `close`), after every finished video was reported: an observer that
    /// works in the background (an uploader) finishes what it was given,
    /// within bounds of its own, and returns what failed; the errors go
    /// into the report. Called on the env thread. The default returns none.
    fn flush(&mut self) -> Vec<crate::Error> {
        Vec::new()
    }
}

/// An observer from a closure called with each kept video
/// ([`super::RecordingConfig::on_video`]).
pub(crate) struct OnVideo<F>(pub(crate) F);

impl<F> RecordingObserver for OnVideo<F>
where
    F: FnMut(&RecordedVideo) -> Result<()> + Send,
{
    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        (self.0)(video)
    }
}

/// An observer from a keep predicate ([`super::RecordingConfig::keep_if`]).
pub(crate) struct KeepIf<F>(pub(crate) F);

impl<F> RecordingObserver for KeepIf<F>
where
    F: FnMut(&RecordedVideo) -> bool + Send,
{
    fn keep(&mut self, video: &RecordedVideo) -> bool {
        (self.0)(video)
    }
}
