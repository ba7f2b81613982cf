//! [`RecordingWrapper`]: an env that records videos of itself.

use super::config::RecordingConfig;
use super::recorder::Recorder;
use super::report::{RecordingReport, RecordingSource};
use super::video::RecordedVideo;
use crate::env::{Env, EnvSpec, Frame, Info, Metadata, RenderMode, Space, Step};
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
/// The recording itself is a [`Recorder`] fed the env's resets, steps and
/// frames; [`recorder`](Self::recorder) shows it (ids, folder, fps, videos
/// so far).
///
/// Errors while recording (a full disk, an encoder failure, a frame whose
/// size changed, a failing trigger) stop that video and are logged; the env
/// keeps stepping, and [`take_report`](Self::take_report) or
/// [`finish`](Self::finish) reports every error.
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
/// assert_eq!(env.recorder().step_id(), Some(9));
/// let videos = env.finish().into_result()?;
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
    /// Videos reported by [`Env::close`], kept for the next report.
    closed: Vec<RecordedVideo>,
    env: E,
}

impl<E: Env> RecordingWrapper<E> {
    /// Wraps `env`; see [`RecordingConfig::wrap`].
    pub fn new(env: E, config: RecordingConfig) -> Result<Self> {
        let source = RecordingSource::of_env(&env);
        if source.frame_size.is_none() {
            return Err(Error::NoFrames {
                env: source.name,
                mode: env.render_mode().to_string(),
            });
        }
        let deferred = config.deferred_rendering;
        let mut recorder = Recorder::new(config, source)?;
        if deferred {
            recorder.set_renderer(env.frame_renderer());
        }
        Ok(RecordingWrapper {
            recorder,
            closed: Vec::new(),
            env,
        })
    }

    /// The recording: whether a video runs, the episode and step ids, the
    /// folder, the fps, the videos and errors so far.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Finalizes the running video, if any, and takes every video written
    /// and every error met since the wrapper was made or its report last
    /// taken. The wrapper goes on recording.
    pub fn take_report(&mut self) -> RecordingReport {
        with_closed(&mut self.closed, self.recorder.take_report())
    }

    /// Finalizes the running video and returns every video written and
    /// every error met that no [`take_report`](Self::take_report) took.
    /// The env is dropped (not closed); use [`into_inner`](Self::into_inner)
    /// after `take_report` to keep it.
    pub fn finish(self) -> RecordingReport {
        let RecordingWrapper {
            recorder,
            mut closed,
            env,
        } = self;
        let report = with_closed(&mut closed, recorder.finish());
        drop(env);
        report
    }

    /// Finalizes the running video and gives the env back. Errors not
    /// taken by [`take_report`](Self::take_report) are logged.
    pub fn into_inner(self) -> E {
        let RecordingWrapper { recorder, env, .. } = self;
        drop(recorder);
        env
    }

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
        if let Err(err) = self.recorder.begin_episode() {
            self.recorder.report_error(err);
        }
        if self.recorder.is_recording() {
            self.capture(&out.1);
        }
        Ok(out)
    }

    // Inlined, and the inner result returned as it came (not unwrapped and
    // rewrapped), so that it is built in place in the caller's frame: with
    // no video running, a step costs the counters and two branches.
    #[inline]
    fn step(&mut self, action: E::Action) -> Result<Step<E::Obs>> {
        let mut result = self.env.step(action);
        if let Ok(step) = &mut result {
            let ended = (step.terminated, step.truncated);
            if self.recorder.step_reporting_errors(step.reward, ended) {
                // Lent by value, as below, for the keep rule's episode end.
                let info = std::mem::take(&mut step.info);
                step.info = self.recorder.end_info(info);
            }
            if self.recorder.is_recording() {
                // The info is lent by value, not by reference: a reference
                // into `result` would make the compiler keep an extra copy
                // of it at every step, recording or not.
                let info = std::mem::take(&mut step.info);
                step.info = self.capture_step(info);
            }
        }
        result
    }

    fn action_space(&self) -> &Space {
        self.env.action_space()
    }

    fn observation_space(&self) -> &Space {
        self.env.observation_space()
    }

    fn render_mode(&self) -> RenderMode {
        self.env.render_mode()
    }

    fn metadata(&self) -> &Metadata {
        self.env.metadata()
    }

    fn spec(&self) -> Option<&EnvSpec> {
        self.env.spec()
    }

    fn frame_size(&self) -> Option<(u32, u32)> {
        self.env.frame_size()
    }

    fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        self.env.render_into(frame)
    }

    fn frame_renderer(&self) -> Option<Box<dyn crate::frame::FrameRenderer>> {
        self.env.frame_renderer()
    }

    fn snapshot_into(&self, snapshot: &mut crate::frame::Snapshot) -> Result<()> {
        self.env.snapshot_into(snapshot)
    }

    fn render(&mut self) -> Result<Option<Frame>> {
        self.env.render()
    }

    /// Closes the inner env and finalizes the running video. Errors with the
    /// first recording error not yet taken by
    /// [`take_report`](RecordingWrapper::take_report) (the others are
    /// logged); the videos stay for the next report.
    fn close(&mut self) -> Result<()> {
        let closed = self.env.close();
        close_recorder(&mut self.recorder, &mut self.closed)?;
        closed
    }
}

impl<E: Env> RecordingWrapper<E> {
    /// Captures the frame after the step just taken into the running video,
    /// and gives its info back. Out of line, so that steps with no video
    /// running stay small.
    #[inline(never)]
    fn capture_step(&mut self, info: Info) -> Info {
        self.capture(&info);
        info
    }

    /// Captures the env's picture for the running video: a snapshot, drawn
    /// on the encoder side, when the env offers deferred rendering; else
    /// the env renders into a pooled frame.
    fn capture(&mut self, info: &Info) {
        let env = &mut self.env;
        let Some(size) = env.frame_size() else {
            let err = Error::NoFrames {
                env: self.recorder.name().to_string(),
                mode: env.render_mode().to_string(),
            };
            return self.recorder.report_error(err);
        };
        if self.recorder.renders_snapshots() {
            self.recorder
                .capture_snapshot(size, |snapshot| env.snapshot_into(snapshot), info);
        } else {
            self.recorder
                .capture(size, |frame| env.render_into(frame), info);
        }
    }
}

/// Ends the recording in place for an `Env::close`: the videos finished are
/// kept in `closed` for the next report, the errors returned (the first;
/// the others are logged).
pub(super) fn close_recorder(
    recorder: &mut Recorder,
    closed: &mut Vec<RecordedVideo>,
) -> Result<()> {
    let RecordingReport { videos, errors } = recorder.take_report();
    closed.extend(videos);
    RecordingReport {
        videos: Vec::new(),
        errors,
    }
    .into_result()
    .map(|_| ())
}

/// `report` with the videos an earlier close kept in front, in the order
/// they were finished.
pub(super) fn with_closed(
    closed: &mut Vec<RecordedVideo>,
    mut report: RecordingReport,
) -> RecordingReport {
    if !closed.is_empty() {
        let later = std::mem::replace(&mut report.videos, std::mem::take(closed));
        report.videos.extend(later);
    }
    report
}

impl<E: Env + std::fmt::Debug> std::fmt::Debug for RecordingWrapper<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWrapper")
            .field("env", &self.env)
            .field("recorder", &self.recorder)
            .finish()
    }
}
