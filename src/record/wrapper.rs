//! [`RecordingWrapper`]: an env that records videos of itself.

use super::config::RecordingConfig;
use super::recorder::{EpisodeStep, FrameMoment, Recorder, Source};
use crate::env::{Env, EnvSpec, Info, Step};
use crate::{Error, Result};

/// Wraps an env and records videos of it with Gymnasium's `RecordVideo`
/// semantics, streaming frames to an encoder thread.
///
/// - `episode_id` counts resets and `step_id` counts steps, both from 0.
/// - An episode trigger starts `{prefix}-episode-{id}.mp4` at a reset; the
///   reset frame and one frame per step are captured. With `video_length`
///   0 the video stops at the next reset.
/// - A step trigger starts `{prefix}-step-{id}.mp4` after the triggering
///   step (its first frame shows the state after that step). With
///   `video_length` > 0 the video runs on across resets.
/// - A trigger firing while a video runs stops that video first.
/// - `video_length = N` gives exactly N frames.
/// - The video running when the wrapper is closed, finished or dropped is
///   finalized; nothing is lost when `close` is forgotten.
///
/// Errors while recording (a full disk, an encoder failure, a frame whose
/// size changed) stop that video and are logged; the env keeps stepping,
/// and [`RecordingWrapper::finish`] reports every error.
///
/// ```
/// use gymrec::record::{RecordingConfig, Trigger};
/// use gymrec::env::{Env, RenderMode, SpaceValue};
///
/// # fn main() -> gymrec::Result<()> {
/// let dir = std::env::temp_dir().join(format!("gymrec-doc-wrapper-{}", std::process::id()));
/// let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
/// let mut env = RecordingConfig::new(&dir)
///     .episode_trigger(Trigger::always())
///     .overwrite(true)
///     .wrap(env)?;
/// env.reset(Some(0))?;
/// for _ in 0..10 {
///     env.step(SpaceValue::Discrete(1))?;
/// }
/// let report = env.finish();
/// let videos = report.into_result()?;
/// assert_eq!(videos[0].facts.frames, 11); // the reset frame and one per step
/// assert!(videos[0].facts.path.ends_with("rl-video-episode-0.mp4"));
/// assert_eq!(videos[0].episodes[0].length, 10);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub struct RecordingWrapper<E: Env> {
    // First, so that dropping the wrapper finalizes the video before the env
    // goes.
    recorder: Recorder,
    env: E,
}

impl<E: Env> RecordingWrapper<E> {
    /// Wraps `env`; see [`RecordingConfig::wrap`].
    pub fn new(env: E, config: RecordingConfig) -> Result<Self> {
        config.validate()?;
        let env_id = env.spec().map(|s| s.id.as_str());
        let name = env_id.unwrap_or("the env");
        let Some(frame_size) = env.frame_size() else {
            return Err(Error::NoFrames {
                env: name.to_string(),
                mode: env.render_mode().to_string(),
            });
        };
        let source = Source {
            name,
            env_id,
            frame_size,
            render_fps: env.metadata().render_fps,
        };
        let recorder = Recorder::new(config, source)?;
        Ok(RecordingWrapper { recorder, env })
    }

    super::recorder::recorder_accessors!(
        episode: "the current episode",
        step: "the last step taken"
    );

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.env
    }

    /// The wrapped env, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.env
    }
}

impl RecordingConfig {
    /// Wraps `env` in a [`RecordingWrapper`] with this configuration.
    ///
    /// Errors when a setting is invalid, when `env` renders no frames, when
    /// the folder cannot be created or written, or when it already holds
    /// videos of this prefix and `overwrite` is not set.
    pub fn wrap<E: Env>(self, env: E) -> Result<RecordingWrapper<E>> {
        RecordingWrapper::new(env, self)
    }
}

impl<E: Env> Env for RecordingWrapper<E> {
    type Obs = E::Obs;
    type Action = E::Action;

    fn reset(&mut self, seed: Option<u64>) -> Result<(E::Obs, Info)> {
        let out = self.env.reset(seed)?;
        self.recorder.begin_episode();
        let env = &mut self.env;
        self.recorder.capture(
            |frame| crate::env::render_resized(env, frame),
            FrameMoment::reset(&out.1),
        );
        Ok(out)
    }

    // Inlined, and the inner result returned as it came (not unwrapped and
    // rewrapped), so that it is built in place in the caller's frame: with
    // no video running, a step costs the counters and two branches.
    #[inline]
    fn step(&mut self, action: E::Action) -> Result<Step<E::Obs>> {
        let mut result = self.env.step(action);
        if let Ok(step) = &mut result {
            let step_id = self.recorder.on_step(EpisodeStep::Continued {
                reward: step.reward,
            });
            if self.recorder.is_recording() {
                // The info is lent by value, not by reference: a reference
                // into `result` would make the compiler keep an extra copy
                // of it at every step, recording or not.
                let info = std::mem::take(&mut step.info);
                step.info = self.capture_step(step_id, step.reward, step.done(), info);
            }
        }
        result
    }

    fn spec(&self) -> Option<&EnvSpec> {
        self.env.spec()
    }

    /// Closes the inner env and finalizes the running video. Errors with the
    /// first recording error not yet taken by [`RecordingWrapper::finish`].
    fn close(&mut self) -> Result<()> {
        let closed = self.env.close();
        self.recorder.close()?;
        closed
    }

    crate::env::wrappers::forward_env_rendering!(env);
}

impl<E: Env> RecordingWrapper<E> {
    /// Captures the frame after the step `step_id` (its `reward`, whether
    /// it ended the episode, its `info`) into the running video, and gives
    /// the info back. Out of line, so that steps with no video running
    /// stay small.
    #[inline(never)]
    fn capture_step(&mut self, step_id: u64, reward: f64, episode_done: bool, info: Info) -> Info {
        let env = &mut self.env;
        self.recorder.capture(
            |frame| crate::env::render_resized(env, frame),
            FrameMoment {
                step_id: Some(step_id),
                info: &info,
                reward: Some(reward),
                episode_done,
            },
        );
        info
    }
}

impl<E: Env + std::fmt::Debug> std::fmt::Debug for RecordingWrapper<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWrapper")
            .field("env", &self.env)
            .field("settings", self.recorder.settings())
            .field("episode_id", &self.episode_id())
            .field("step_id", &self.step_id())
            .field("recording", &self.is_recording())
            .finish_non_exhaustive()
    }
}
