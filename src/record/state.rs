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

use super::config::RecordingConfig;
use super::trigger::Trigger;
use crate::{Error, Result};
use std::fmt;
use std::path::PathBuf;

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
    /// [`RecordMethod::Step`], a step trigger is required. The errors are
    /// [`Error::NoStepTrigger`] and [`Error::OnlyStepTrigger`].
    pub fn to_wrapper(self) -> Result<RecordingConfig> {
        let RecordState {
            dirpath,
            method,
            episode_trigger,
            step_trigger,
        } = self;
        let (episode_trigger, step_trigger) = match (method, episode_trigger, step_trigger) {
            (RecordMethod::Step, _, None) => return Err(Error::NoStepTrigger { dirpath }),
            (RecordMethod::Episode, None, Some(_)) => {
                return Err(Error::OnlyStepTrigger { dirpath });
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
    fn contradictions_are_typed_with_the_folder_and_method() {
        let err = RecordState::new("v", RecordMethod::Step)
            .to_wrapper()
            .unwrap_err();
        assert!(
            matches!(&err, Error::NoStepTrigger { dirpath } if dirpath == Path::new("v")),
            "{err:?}"
        );
        let err = RecordState::new("v", RecordMethod::Episode)
            .with_step_trigger(Trigger::always())
            .to_wrapper()
            .unwrap_err();
        assert!(matches!(err, Error::OnlyStepTrigger { .. }), "{err:?}");
        assert!(err.to_string().contains("only a step_trigger"), "{err}");
    }
}
