//! What to record and where: [`RecordState`] (velora's training-side state)
//! and [`RecordingConfig`], the builder that wraps an env in a
//! [`RecordingWrapper`].
//!
//! ```no_run
//! use gymrec::record::{RecordMethod, RecordState, Trigger};
//! use gymrec::RenderMode;
//!
//! # fn main() -> gymrec::Result<()> {
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let state = RecordState::new("videos", RecordMethod::Episode)
//!     .with_episode_trigger(Trigger::every(10)?);
//! let mut env = state.to_wrapper()?.name_prefix("eval").video_length(200).wrap(env)?;
//! # Ok(())
//! # }
//! ```

use super::observer::{KeepIf, OnVideo, RecordingObserver};
use super::overlay::Overlay;
use super::sink::{EncoderSettings, VideoFormat};
use super::trigger::Trigger;
use super::video::RecordedVideo;
use super::wrapper::RecordingWrapper;
use crate::env::Env;
use crate::{Error, Result};
use std::fmt;
use std::path::{Path, PathBuf};

/// Which trigger drives the recording (velora's `Literal["episode", "step"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordMethod {
    /// Videos start at resets chosen by the episode trigger.
    Episode,
    /// Videos start after steps chosen by the step trigger.
    Step,
}

impl fmt::Display for RecordMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordMethod::Episode => "episode",
            RecordMethod::Step => "step",
        })
    }
}

/// The video recording state of a training run (velora's `RecordState`):
/// where videos go, and which trigger decides when they start.
#[derive(Debug)]
pub struct RecordState {
    /// The folder the videos are written into.
    pub dirpath: PathBuf,
    /// Which trigger drives the recording.
    pub method: RecordMethod,
    /// Decides which episodes start a video.
    pub episode_trigger: Option<Trigger>,
    /// Decides which steps start a video.
    pub step_trigger: Option<Trigger>,
}

impl RecordState {
    /// A state with no triggers yet.
    pub fn new(dirpath: impl Into<PathBuf>, method: RecordMethod) -> Self {
        RecordState {
            dirpath: dirpath.into(),
            method,
            episode_trigger: None,
            step_trigger: None,
        }
    }

    /// Sets the episode trigger.
    pub fn with_episode_trigger(mut self, trigger: Trigger) -> Self {
        self.episode_trigger = Some(trigger);
        self
    }

    /// Sets the step trigger.
    pub fn with_step_trigger(mut self, trigger: Trigger) -> Self {
        self.step_trigger = Some(trigger);
        self
    }

    /// The wrapper configuration this state describes: the video folder and
    /// the triggers (velora's `to_wrapper()`, which feeds Gymnasium's
    /// `RecordVideo`). The other settings keep their defaults and can be
    /// changed on the returned builder.
    ///
    /// With [`RecordMethod::Episode`] and no episode trigger, Gymnasium's
    /// capped cubic schedule is used, unless a step trigger was given
    /// instead, which contradicts the method and is an error. With
    /// [`RecordMethod::Step`], a step trigger is required.
    pub fn to_wrapper(self) -> Result<RecordingConfig> {
        let RecordState {
            dirpath,
            method,
            episode_trigger,
            step_trigger,
        } = self;
        let (episode_trigger, step_trigger) = match (method, episode_trigger, step_trigger) {
            (RecordMethod::Step, _, None) => {
                return Err(Error::InvalidConfig(format!(
                    "RecordState for {}: method is step but no step_trigger is set; \
                     set one (for example Trigger::every(1000)) or use RecordMethod::Episode",
                    dirpath.display()
                )));
            }
            (RecordMethod::Episode, None, Some(_)) => {
                return Err(Error::InvalidConfig(format!(
                    "RecordState for {}: method is episode but only a step_trigger is set; \
                     set an episode_trigger or use RecordMethod::Step",
                    dirpath.display()
                )));
            }
            (RecordMethod::Episode, None, None) => (Some(Trigger::capped_cubic()), None),
            (_, e, s) => (e, s),
        };
        let mut config = RecordingConfig::new(dirpath);
        config.episode_trigger = episode_trigger;
        config.step_trigger = step_trigger;
        Ok(config)
    }
}

/// Everything a [`RecordingWrapper`] needs, with Gymnasium's `RecordVideo`
/// defaults; build it with the chained setters, then [`RecordingConfig::wrap`].
///
/// | setting | default |
/// |---|---|
/// | triggers | episode trigger [`Trigger::capped_cubic`] when neither is set |
/// | `name_prefix` | `"rl-video"` |
/// | `video_length` | 0: whole episodes (episode videos) or until the next reset (step videos) |
/// | `fps` | the env's `metadata().render_fps`, else 30 with a logged warning |
/// | `format` | [`VideoFormat::default`]: MP4 when an MP4 backend is built in, else GIF, else PNG |
/// | encoder | H.264 (libx264 `veryfast`, CRF 23, one thread), yuv420p MP4 |
/// | `overlay` | none: frames are recorded as rendered ([`RecordingConfig::overlay`]) |
/// | `overwrite` | false: existing videos are an error at construction |
/// | `queue_capacity` | 4 frames between the env and the encoder thread (the encoder is the slow side; a longer queue only costs memory) |
/// | observers | none ([`RecordingConfig::observer`], [`RecordingConfig::on_video`], [`RecordingConfig::keep_if`]) |
pub struct RecordingConfig {
    pub(crate) video_folder: PathBuf,
    pub(crate) episode_trigger: Option<Trigger>,
    pub(crate) step_trigger: Option<Trigger>,
    pub(crate) name_prefix: String,
    pub(crate) video_length: u64,
    pub(crate) fps: Option<u32>,
    pub(crate) encoder: EncoderSettings,
    pub(crate) format: VideoFormat,
    pub(crate) overlay: Option<Overlay>,
    pub(crate) overwrite: bool,
    pub(crate) queue_capacity: usize,
    pub(crate) observers: Vec<Box<dyn RecordingObserver>>,
}

impl fmt::Debug for RecordingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingConfig")
            .field("video_folder", &self.video_folder)
            .field("episode_trigger", &self.episode_trigger)
            .field("step_trigger", &self.step_trigger)
            .field("name_prefix", &self.name_prefix)
            .field("video_length", &self.video_length)
            .field("fps", &self.fps)
            .field("encoder", &self.encoder)
            .field("format", &self.format)
            .field("overlay", &self.overlay)
            .field("overwrite", &self.overwrite)
            .field("queue_capacity", &self.queue_capacity)
            .field("observers", &self.observers.len())
            .finish()
    }
}

impl RecordingConfig {
    /// A configuration writing into `video_folder`, with every default.
    pub fn new(video_folder: impl Into<PathBuf>) -> Self {
        RecordingConfig {
            video_folder: video_folder.into(),
            episode_trigger: None,
            step_trigger: None,
            name_prefix: "rl-video".to_string(),
            video_length: 0,
            fps: None,
            encoder: EncoderSettings::default(),
            format: VideoFormat::default(),
            overlay: None,
            overwrite: false,
            queue_capacity: super::writer::DEFAULT_QUEUE_CAPACITY,
            observers: Vec::new(),
        }
    }

    /// Adds an observer whose hooks run as videos start and finish.
    pub fn observer(mut self, observer: impl RecordingObserver + 'static) -> Self {
        self.observers.push(Box::new(observer));
        self
    }

    /// Calls `f` with each finished, kept video (after it is finalized on
    /// disk). An error it returns is collected into the wrapper's report.
    pub fn on_video(self, f: impl FnMut(&RecordedVideo) -> Result<()> + Send + 'static) -> Self {
        self.observer(OnVideo(f))
    }

    /// Keeps a finished video only when `keep` returns true, for example
    /// only failures, or only returns above a bar; other videos are deleted.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// // Keep the videos in which some episode ended with a return of 200 or more.
    /// let config = RecordingConfig::new("videos")
    ///     .keep_if(|video| video.episodes.iter().any(|e| e.complete && e.ret >= 200.0));
    /// ```
    pub fn keep_if(self, keep: impl FnMut(&RecordedVideo) -> bool + Send + 'static) -> Self {
        self.observer(KeepIf(keep))
    }

    /// Describes each kept video in its folder: a `<name>.json` sidecar, a
    /// line in `index.jsonl` and an `index.html` gallery that plays every
    /// video from `file://`. Shorthand for `.observer(Manifest::new())`
    /// (see [`Manifest`](super::Manifest)); add it once.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// // A gallery of the failures only.
    /// let config = RecordingConfig::new("videos")
    ///     .keep_if(|video| video.episodes.iter().any(|e| e.complete && e.ret < 100.0))
    ///     .gallery();
    /// ```
    pub fn gallery(self) -> Self {
        self.observer(super::manifest::Manifest::new())
    }

    /// Starts a video at each reset whose episode id the trigger accepts.
    pub fn episode_trigger(mut self, trigger: Trigger) -> Self {
        self.episode_trigger = Some(trigger);
        self
    }

    /// Starts a video after each step whose step id the trigger accepts.
    pub fn step_trigger(mut self, trigger: Trigger) -> Self {
        self.step_trigger = Some(trigger);
        self
    }

    /// The start of every file name: `{prefix}-episode-{id}.mp4`.
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// Frames per video; 0 records whole episodes.
    pub fn video_length(mut self, frames: u64) -> Self {
        self.video_length = frames;
        self
    }

    /// Frames per second of the videos, instead of the env's `render_fps`.
    pub fn fps(mut self, fps: u32) -> Self {
        self.fps = Some(fps);
        self
    }

    /// Encoder settings (preset, CRF, threads, keyframe interval).
    pub fn encoder(mut self, settings: EncoderSettings) -> Self {
        self.encoder = settings;
        self
    }

    /// The kind of file to write: MP4, WebM, GIF or a PNG sequence (see
    /// [`VideoFormat`]). File names follow it: `{prefix}-episode-{id}.gif`,
    /// or the folder `{prefix}-episode-{id}/` for PNG. A format this build
    /// has no backend for is an error at [`wrap`](Self::wrap).
    pub fn format(mut self, format: VideoFormat) -> Self {
        self.format = format;
        self
    }

    /// Burns text into every recorded frame: the episode, the step and the
    /// return, and text of your own (see [`Overlay`]). Off by default. The
    /// text is drawn on the encoder thread.
    ///
    /// ```
    /// use gymrec::record::{Overlay, RecordingConfig};
    /// let config = RecordingConfig::new("videos")
    ///     .overlay(Overlay::new().text(|frame, out| out.push_str(if frame.episode_step < 10 { "start" } else { "" })));
    /// ```
    pub fn overlay(mut self, overlay: Overlay) -> Self {
        self.overlay = Some(overlay);
        self
    }

    /// Whether existing video files may be overwritten.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Frames that may wait for the encoder before the env thread blocks
    /// (default [`DEFAULT_QUEUE_CAPACITY`](super::writer::DEFAULT_QUEUE_CAPACITY));
    /// 0 makes every frame wait until the encoder thread takes it.
    pub fn queue_capacity(mut self, frames: usize) -> Self {
        self.queue_capacity = frames;
        self
    }

    /// The folder videos are written into.
    pub fn video_folder(&self) -> &Path {
        &self.video_folder
    }

    /// Checks the settings that do not depend on the env.
    pub(crate) fn validate(&self) -> Result<()> {
        let prefix = &self.name_prefix;
        if prefix.is_empty() {
            return Err(Error::InvalidConfig(
                "name_prefix is empty; give a file-name prefix such as \"rl-video\"".into(),
            ));
        }
        if prefix.contains(['/', '\\', '\0']) || prefix.contains("..") {
            return Err(Error::InvalidConfig(format!(
                "name_prefix {prefix:?} contains a path separator or \"..\"; \
                 it must be a plain file-name prefix (choose the folder with the video folder)"
            )));
        }
        if self.fps == Some(0) {
            return Err(Error::InvalidConfig(
                "fps is 0; videos need at least 1 frame per second".into(),
            ));
        }
        if self.queue_capacity == 0 {
            return Err(Error::InvalidConfig(
                "queue_capacity is 0; the encoder queue needs room for at least 1 frame".into(),
            ));
        }
        self.encoder.validate()
    }

    /// Wraps `env` in a [`RecordingWrapper`] with this configuration.
    ///
    /// Errors when a setting is invalid, when `env` renders no frames, when
    /// the folder cannot be created or written, or when it already holds
    /// videos of this prefix and `overwrite` is not set.
    pub fn wrap<E: Env>(self, env: E) -> Result<RecordingWrapper<E>> {
        RecordingWrapper::new(env, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_wrapper_resolves_defaults_and_rejects_contradictions() {
        let c = RecordState::new("v", RecordMethod::Episode)
            .to_wrapper()
            .unwrap();
        assert_eq!(c.episode_trigger.as_ref().unwrap().kind(), "cubic");
        assert!(c.step_trigger.is_none());
        assert_eq!(c.video_folder(), Path::new("v"));

        let err = RecordState::new("v", RecordMethod::Step)
            .to_wrapper()
            .unwrap_err();
        assert!(err.to_string().contains("no step_trigger"), "{err}");

        let err = RecordState::new("v", RecordMethod::Episode)
            .with_step_trigger(Trigger::always())
            .to_wrapper()
            .unwrap_err();
        assert!(err.to_string().contains("only a step_trigger"), "{err}");

        let c = RecordState::new("v", RecordMethod::Step)
            .with_step_trigger(Trigger::every(100).unwrap())
            .to_wrapper()
            .unwrap();
        assert!(c.episode_trigger.is_none());
        assert_eq!(c.step_trigger.as_ref().unwrap().kind(), "every:100");
    }

    #[test]
    fn validate_rejects_bad_prefixes_and_zero_fps() {
        for prefix in ["", "a/b", "..", "x..y", "a\\b"] {
            let err = RecordingConfig::new("v")
                .name_prefix(prefix)
                .validate()
                .unwrap_err();
            assert!(err.to_string().contains("name_prefix"), "{err}");
        }
        assert!(RecordingConfig::new("v").fps(0).validate().is_err());
        assert!(
            RecordingConfig::new("v")
                .queue_capacity(0)
                .validate()
                .is_err()
        );
        assert!(RecordingConfig::new("v").validate().is_ok());
    }
}
