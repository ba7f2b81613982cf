//! [`RecordingSource`]: what a [`Recorder`](super::Recorder) records, and
//! [`RecordingReport`]: what it wrote and the errors it met.

use super::observer::RecordingObserver;
use super::video::RecordedVideo;
use crate::env::Env;
use crate::{Error, Result};

/// What a [`Recorder`](super::Recorder) wrote, and every error it met, since it was made or
/// its report was last taken.
#[derive(Debug, Default)]
#[must_use = "a report may hold errors"]
pub struct RecordingReport {
    /// The videos finalized and kept, in the order they were finished.
    pub videos: Vec<RecordedVideo>,
    /// The errors met while recording, in the order they happened.
    pub errors: Vec<Error>,
}

impl RecordingReport {
    /// The videos, or the first error when there was any (the others are
    /// logged).
    pub fn into_result(self) -> Result<Vec<RecordedVideo>> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(self.videos),
            Some(first) => {
                for other in errors {
                    log::warn!("recording error: {other}");
                }
                Err(first)
            }
        }
    }
}

/// What a [`Recorder`](super::Recorder) needs to know about what it records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordingSource {
    /// How errors and warnings name it (an env id, `"my simulator"`).
    pub name: String,
    /// The env id reported in each [`RecordedVideo`], if any.
    pub env_id: Option<String>,
    /// Its frames per second, used when the config sets no fps (Gymnasium's
    /// `metadata["render_fps"]`); with neither, videos play at 30 fps and a
    /// warning is logged.
    pub render_fps: Option<u32>,
    /// `(width, height)` of every frame, when known up front: the format's
    /// limits are then checked at [`Recorder::new`](super::Recorder::new) and each video's file is
    /// opened as the video starts. `None`: each video takes the size of its
    /// first frame and opens its file then.
    pub frame_size: Option<(u32, u32)>,
}

impl RecordingSource {
    /// A source called `name`, with no env id, fps or frame size.
    pub fn new(name: impl Into<String>) -> Self {
        RecordingSource {
            name: name.into(),
            ..RecordingSource::default()
        }
    }

    /// What `env` says of itself: its spec's id (also its name; else "the
    /// env"), its `render_fps` and its frame size.
    pub fn of_env<E: Env + ?Sized>(env: &E) -> Self {
        let env_id = env.spec().map(|s| s.id.clone());
        RecordingSource {
            name: env_id.clone().unwrap_or_else(|| "the env".to_string()),
            env_id,
            render_fps: env.metadata().render_fps,
            frame_size: env.frame_size(),
        }
    }
}

/// Where a recorder's results go: its observers, the kept videos and the
/// errors, until the report is taken.
pub(super) struct Outlet {
    pub(super) observers: Vec<Box<dyn RecordingObserver>>,
    pub(super) videos: Vec<RecordedVideo>,
    pub(super) errors: Vec<Error>,
}

impl Outlet {
    /// An outlet to `observers`, with nothing reported yet.
    pub(super) fn new(observers: Vec<Box<dyn RecordingObserver>>) -> Self {
        Outlet {
            observers,
            videos: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Keeps `err` for the report, and logs it.
    pub(super) fn fail(&mut self, err: Error) {
        log::warn!("recording stopped: {err}");
        self.errors.push(err);
    }

    /// Tells the observers a kept video is finished, and keeps it for the
    /// report.
    pub(super) fn report(&mut self, video: RecordedVideo) {
        let mut errors = Vec::new();
        for observer in &mut self.observers {
            if let Err(err) = observer.video_finished(&video) {
                errors.push(err);
            }
        }
        for err in errors {
            self.fail(err);
        }
        self.videos.push(video);
    }

    /// Asks every observer to finish its background work
    /// ([`RecordingObserver::flush`]) and keeps what failed for the report.
    pub(super) fn flush(&mut self) {
        for observer in &mut self.observers {
            let errors = observer.flush();
            for err in &errors {
                log::warn!("{err}");
            }
            self.errors.extend(errors);
        }
    }

    /// Takes what was reported.
    pub(super) fn take(&mut self) -> RecordingReport {
        RecordingReport {
            videos: std::mem::take(&mut self.videos),
            errors: std::mem::take(&mut self.errors),
        }
    }
}
