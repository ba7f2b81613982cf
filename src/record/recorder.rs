//! [`Recorder`]: the recording machinery shared by
//! [`RecordingWrapper`](super::RecordingWrapper) and
//! [`VectorRecordingWrapper`](super::VectorRecordingWrapper).
//!
//! A wrapper owns its env and a `Recorder`; it tells the recorder when an
//! episode begins and when a step is taken, and hands it a closure that
//! renders the picture into a pooled frame. The recorder does the rest:
//! Gymnasium's counters and triggers, the running episode's return and
//! length, the video in progress (file names, the writer, overlays,
//! `video_length`), the observers and keep filters, and the report of
//! finished videos and errors.

use super::config::RecordingConfig;
use super::observer::RecordingObserver;
use super::overlay::{Overlay, OverlayContext};
use super::trigger::Trigger;
use super::video::{EpisodeInVideo, RecordedVideo, VideoStart};
use crate::env::{Frame, Info};
use crate::video::{EncoderSettings, VideoFormat, VideoSpec};
use crate::video::{VideoWriter, WriterOptions};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Writes the public methods a recording wrapper answers from its
/// `recorder` field: `is_recording`, `episode_id`, `step_id`,
/// `video_folder`, `fps`, `videos`, `errors` and `finish`. `episode` and
/// `step` say what the wrapper's ids count.
macro_rules! recorder_accessors {
    (episode: $episode:literal, step: $step:literal) => {
        /// Whether a video is being recorded now.
        pub fn is_recording(&self) -> bool {
            self.recorder.is_recording()
        }

        #[doc = concat!("The id of ", $episode, " (`None` before the first reset).")]
        pub fn episode_id(&self) -> Option<u64> {
            self.recorder.episode_id()
        }

        #[doc = concat!("The id of ", $step, " (`None` before the first step).")]
        pub fn step_id(&self) -> Option<u64> {
            self.recorder.step_id()
        }

        /// The folder videos are written into.
        pub fn video_folder(&self) -> &std::path::Path {
            self.recorder.video_folder()
        }

        /// Frames per second of the videos.
        pub fn fps(&self) -> u32 {
            self.recorder.fps()
        }

        /// The videos finished so far (not yet taken by [`finish`](Self::finish)).
        pub fn videos(&self) -> &[$crate::record::RecordedVideo] {
            self.recorder.videos()
        }

        /// Errors met so far (not yet taken by [`finish`](Self::finish)).
        pub fn errors(&self) -> &[$crate::Error] {
            self.recorder.errors()
        }

        /// Finalizes the running video, if any, and returns every video
        /// written and every error met since the wrapper was made or last
        /// finished. The wrapper can go on recording afterwards.
        pub fn finish(&mut self) -> $crate::record::RecordingReport {
            self.recorder.finish()
        }
    };
}
pub(crate) use recorder_accessors;

/// What a [`RecordingWrapper`](super::RecordingWrapper) wrote, and every
/// error it met, since it was made or last finished.
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

/// What the env being recorded is, as far as the recorder needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    /// How errors and warnings name the env.
    pub name: &'a str,
    /// The env id reported in each [`RecordedVideo`].
    pub env_id: Option<&'a str>,
    /// `(width, height)` of every video frame.
    pub frame_size: (u32, u32),
    /// The env's `render_fps`, used when the config sets no fps.
    pub render_fps: Option<u32>,
}

/// What a step did to the recorded episode.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EpisodeStep {
    /// The episode went on: add the step's reward.
    Continued {
        /// The step's reward.
        reward: f64,
    },
    /// The step began a new episode (a vector env's autoreset).
    Began,
}

/// When a frame is captured: what the overlay shows and what the video's
/// episode list records. Only read when a video is running, so that steps
/// with none cost nothing more than the counters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameMoment<'a> {
    /// The step just taken, or `None` at a reset.
    pub step_id: Option<u64>,
    /// The info of that step or reset.
    pub info: &'a Info,
    /// The step's reward (`None` at a reset, or a step that began an episode).
    pub reward: Option<f64>,
    /// Whether the recorded episode ended at this step.
    pub episode_done: bool,
}

impl<'a> FrameMoment<'a> {
    /// The frame shown at a reset.
    pub fn reset(info: &'a Info) -> Self {
        FrameMoment {
            step_id: None,
            info,
            reward: None,
            episode_done: false,
        }
    }
}

/// The recording state shared by the wrappers: settings, triggers,
/// Gymnasium's counters, the running episode, the video in progress, the
/// observers, and the videos and errors not yet reported.
///
/// Dropping it finalizes the running video.
pub(crate) struct Recorder {
    settings: Settings,
    env_id: Option<String>,
    episode_trigger: Option<Trigger>,
    step_trigger: Option<Trigger>,
    episode_id: Option<u64>,
    /// Steps taken so far; the next step's id.
    steps_taken: u64,
    episode: Option<EpisodeProgress>,
    current: Option<VideoInProgress>,
    observers: Vec<Box<dyn RecordingObserver>>,
    videos: Vec<RecordedVideo>,
    errors: Vec<Error>,
}

/// The configuration that stays fixed while recording.
#[derive(Debug)]
pub(crate) struct Settings {
    folder: PathBuf,
    name_prefix: String,
    video_length: u64,
    spec: VideoSpec,
    encoder: EncoderSettings,
    /// The kind of file written; names follow it.
    format: VideoFormat,
    /// What to burn into frames; the text closure runs in `capture`.
    overlay: Option<Overlay>,
    overwrite: bool,
    queue_capacity: usize,
}

struct VideoInProgress {
    writer: VideoWriter,
    frames: u64,
    started_by: VideoStart,
    started_at: SystemTime,
    episodes: Vec<EpisodeInVideo>,
    steps: Option<(u64, u64)>,
}

/// The running (recorded) episode: its id, and its return and length so far.
#[derive(Debug, Clone, Copy)]
struct EpisodeProgress {
    id: u64,
    ret: f64,
    length: u64,
}

impl Recorder {
    /// Resolves the fps and triggers of a validated `config` for `source`,
    /// checks the format can encode such frames, and prepares the folder
    /// (refusing one holding videos of this prefix unless `overwrite`).
    pub(crate) fn new(config: RecordingConfig, source: Source<'_>) -> Result<Self> {
        let fps = resolve_fps(config.fps.or(source.render_fps), source.name)?;
        let (episode_trigger, step_trigger) = match (config.episode_trigger, config.step_trigger) {
            (None, None) => (Some(Trigger::capped_cubic()), None),
            pair => pair,
        };
        let (width, height) = source.frame_size;
        let spec = VideoSpec { width, height, fps };
        crate::video::check(config.format, &spec, &config.encoder)?;
        prepare_folder(&config.video_folder)?;
        if !config.overwrite {
            refuse_existing(&config.video_folder, &config.name_prefix, config.format)?;
        }
        Ok(Recorder {
            settings: Settings {
                folder: config.video_folder,
                name_prefix: config.name_prefix,
                video_length: config.video_length,
                spec,
                encoder: config.encoder,
                format: config.format,
                overlay: config.overlay,
                overwrite: config.overwrite,
                queue_capacity: config.queue_capacity,
            },
            env_id: source.env_id.map(str::to_string),
            episode_trigger,
            step_trigger,
            episode_id: None,
            steps_taken: 0,
            episode: None,
            current: None,
            observers: config.observers,
            videos: Vec::new(),
            errors: Vec::new(),
        })
    }

    /// Whether a video is being recorded now.
    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.current.is_some()
    }

    /// The id of the current episode (`None` before the first one).
    pub(crate) fn episode_id(&self) -> Option<u64> {
        self.episode_id
    }

    /// The id of the last step taken (`None` before the first step).
    pub(crate) fn step_id(&self) -> Option<u64> {
        self.steps_taken.checked_sub(1)
    }

    /// The folder videos are written into.
    pub(crate) fn video_folder(&self) -> &Path {
        &self.settings.folder
    }

    /// Frames per second of the videos.
    pub(crate) fn fps(&self) -> u32 {
        self.settings.spec.fps
    }

    /// The settings, for the wrappers' `Debug`.
    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The videos finished and not yet taken by [`Recorder::finish`].
    pub(crate) fn videos(&self) -> &[RecordedVideo] {
        &self.videos
    }

    /// The errors met and not yet taken by [`Recorder::finish`].
    pub(crate) fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// Finalizes the running video, if any, and takes every video and error
    /// not yet reported. Recording can go on afterwards.
    pub(crate) fn finish(&mut self) -> RecordingReport {
        self.stop_recording();
        RecordingReport {
            videos: std::mem::take(&mut self.videos),
            errors: std::mem::take(&mut self.errors),
        }
    }

    /// Finalizes the running video and takes the errors not yet reported
    /// (the videos stay for [`Recorder::finish`]): the first one, if any.
    pub(crate) fn close(&mut self) -> Result<()> {
        self.stop_recording();
        RecordingReport {
            videos: Vec::new(),
            errors: std::mem::take(&mut self.errors),
        }
        .into_result()
        .map(|_| ())
    }

    /// A new episode begins (at a reset, or at a vector step that
    /// autoreset the recorded sub-env): counts it, stops a whole-episode
    /// video, and asks the episode trigger.
    pub(crate) fn begin_episode(&mut self) {
        let episode_id = self.episode_id.map_or(0, |id| id + 1);
        self.episode_id = Some(episode_id);
        self.episode = Some(EpisodeProgress {
            id: episode_id,
            ret: 0.0,
            length: 0,
        });
        if self.current.is_some() && self.settings.video_length == 0 {
            self.stop_recording();
        }
        if let Some(trigger) = self.episode_trigger.as_mut() {
            if trigger.fires(episode_id) {
                let name = format!("{}-episode-{episode_id}", self.settings.name_prefix);
                self.start_recording(name, VideoStart::Episode(episode_id));
            }
        }
    }

    /// A step was taken: counts it, updates the episode (or begins a new
    /// one), and asks the step trigger. Returns the step's id.
    #[inline]
    pub(crate) fn on_step(&mut self, outcome: EpisodeStep) -> u64 {
        let step_id = self.steps_taken;
        self.steps_taken += 1;
        match outcome {
            EpisodeStep::Began => self.begin_episode(),
            EpisodeStep::Continued { reward } => {
                if let Some(ep) = self.episode.as_mut() {
                    ep.ret += reward;
                    ep.length += 1;
                }
            }
        }
        if let Some(trigger) = self.step_trigger.as_mut() {
            if trigger.fires(step_id) {
                self.start_step_video(step_id);
            }
        }
        step_id
    }

    /// Starts `{prefix}-step-{step_id}`; out of line, so that the step path
    /// stays small enough to inline into the caller's loop.
    #[cold]
    #[inline(never)]
    fn start_step_video(&mut self, step_id: u64) {
        let name = format!("{}-step-{step_id}", self.settings.name_prefix);
        self.start_recording(name, VideoStart::Step(step_id));
    }

    /// Captures a frame into the running video, if any: `render` draws the
    /// picture into a frame from the writer's pool; `moment` says when it
    /// is shown (it feeds the overlay and the video's episode list). Stops
    /// the video after `video_length` frames or on an error.
    #[inline]
    pub(crate) fn capture(
        &mut self,
        render: impl FnOnce(&mut Frame) -> Result<()>,
        moment: FrameMoment<'_>,
    ) {
        if self.current.is_some() {
            self.capture_into_video(render, moment);
        }
    }

    /// [`Recorder::capture`] once a video is known to be running; kept out
    /// of line so that steps with no video running cost only a branch.
    #[inline(never)]
    fn capture_into_video(
        &mut self,
        render: impl FnOnce(&mut Frame) -> Result<()>,
        moment: FrameMoment<'_>,
    ) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        let mut frame = video.writer.buffer();
        if let Err(err) = render(&mut frame) {
            self.stop_recording();
            self.fail(err);
            return;
        }
        let submitted = match self.settings.overlay.as_mut() {
            Some(overlay) => {
                let mut label = video.writer.label();
                let context = OverlayContext {
                    episode: self.episode.map(|ep| ep.id),
                    episode_step: self.episode.map_or(0, |ep| ep.length),
                    step_id: moment.step_id,
                    ret: self.episode.map_or(0.0, |ep| ep.ret),
                    reward: moment.reward,
                    info: moment.info,
                };
                overlay.fill(&context, &mut label);
                video.writer.submit_labelled(frame, label)
            }
            None => video.writer.submit(frame),
        };
        if let Err(err) = submitted {
            // The writer is dead: finishing it reports the same failure, so
            // keep only the first error.
            if let Some(video) = self.current.take() {
                let _ = video.writer.finish();
            }
            self.fail(err);
            return;
        }
        self.frame_captured(moment.step_id, moment.episode_done);
    }

    /// Books a submitted frame: the episode it shows (ended at this frame
    /// when `episode_done`), the step range, and the stop after
    /// `video_length` frames.
    fn frame_captured(&mut self, step_id: Option<u64>, episode_done: bool) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        video.frames += 1;
        if let Some(ep) = self.episode {
            match video.episodes.last_mut() {
                Some(last) if last.episode == ep.id => {
                    last.ret = ep.ret;
                    last.length = ep.length;
                    last.complete = episode_done;
                }
                _ => video.episodes.push(EpisodeInVideo {
                    episode: ep.id,
                    ret: ep.ret,
                    length: ep.length,
                    complete: episode_done,
                }),
            }
        }
        if let Some(id) = step_id {
            video.steps = Some((video.steps.map_or(id, |(first, _)| first), id));
        }
        if self.settings.video_length > 0 && video.frames >= self.settings.video_length {
            self.stop_recording();
        }
    }

    fn start_recording(&mut self, name: String, started_by: VideoStart) {
        self.stop_recording();
        let path = self
            .settings
            .folder
            .join(self.settings.format.file_name(&name));
        if !self.settings.overwrite && path.exists() {
            self.fail(Error::AlreadyExists {
                path,
                advice: "it was written by someone else since the wrapper was made, so it is \
                         not recorded; set overwrite(true) to replace such files"
                    .into(),
            });
            return;
        }
        let options = WriterOptions {
            format: self.settings.format,
            encoder: self.settings.encoder.clone(),
            queue_capacity: self.settings.queue_capacity,
            overlay: self.settings.overlay.as_ref().map(|o| *o.style()),
        };
        match VideoWriter::create(path, self.settings.spec, options) {
            Ok(writer) => {
                for observer in &mut self.observers {
                    observer.video_started(writer.path(), started_by);
                }
                self.current = Some(VideoInProgress {
                    writer,
                    frames: 0,
                    started_by,
                    started_at: SystemTime::now(),
                    episodes: Vec::new(),
                    steps: None,
                });
            }
            Err(err) => self.fail(err),
        }
    }

    fn stop_recording(&mut self) {
        if let Some(video) = self.current.take() {
            self.finalize(video);
        }
    }

    /// Finishes the file, asks the observers whether to keep it, and
    /// reports it.
    fn finalize(&mut self, video: VideoInProgress) {
        let VideoInProgress {
            writer,
            started_by,
            started_at,
            episodes,
            steps,
            ..
        } = video;
        let facts = match writer.finish() {
            Ok(facts) => facts,
            Err(err) => return self.fail(err),
        };
        log::debug!(
            "video {} finished: {} frames",
            facts.path.display(),
            facts.frames
        );
        let video = RecordedVideo {
            facts,
            env_id: self.env_id.clone(),
            trigger: self.trigger_kind(started_by),
            started_by,
            episodes,
            steps,
            started_at,
            finished_at: SystemTime::now(),
        };
        if self.observers.iter_mut().all(|o| o.keep(&video)) {
            self.report(video);
        } else {
            self.remove(&video);
        }
    }

    /// The kind of the trigger that started a video (`"custom"` for a
    /// closure).
    fn trigger_kind(&self, started_by: VideoStart) -> String {
        match started_by {
            VideoStart::Episode(_) => self.episode_trigger.as_ref(),
            VideoStart::Step(_) => self.step_trigger.as_ref(),
        }
        .map_or_else(|| "custom".to_string(), |t| t.kind().to_string())
    }

    /// Deletes a video no observer wanted kept (a file, or a PNG-sequence
    /// folder).
    fn remove(&mut self, video: &RecordedVideo) {
        log::debug!("video {} not kept: removed", video.facts.path.display());
        let path = &video.facts.path;
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(path) // a PNG sequence
        } else {
            std::fs::remove_file(path)
        };
        if let Err(err) = removed {
            self.fail(Error::io(path, err));
        }
    }

    /// Tells the observers a kept video is finished, and keeps it for the
    /// report.
    fn report(&mut self, video: RecordedVideo) {
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

    fn fail(&mut self, err: Error) {
        log::warn!("recording stopped: {err}");
        self.errors.push(err);
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop_recording();
        for err in &self.errors {
            log::warn!("recording error not collected by finish(): {err}");
        }
    }
}

/// The video fps: the configured or declared one, else 30 with a warning;
/// a declared 0 is an error naming `name`.
fn resolve_fps(fps: Option<u32>, name: &str) -> Result<u32> {
    match fps {
        Some(0) => Err(Error::ZeroRenderFps {
            env: name.to_string(),
        }),
        Some(fps) => Ok(fps),
        None => {
            log::warn!(
                "{name} has no render_fps in its metadata and no fps was set; \
                 recording at 30 fps"
            );
            Ok(30)
        }
    }
}

/// Creates `folder` when missing and checks that files can be created in it.
fn prepare_folder(folder: &Path) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    // Unique per call, so that wrappers made at once in one process (or
    // several) never remove each other's check file.
    static CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = folder.join(format!(".gymrec-write-check-{}-{n}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| Error::io(folder, e))?;
    std::fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(())
}

/// Errors when `folder` already holds a video this prefix would write.
fn refuse_existing(folder: &Path, prefix: &str, format: VideoFormat) -> Result<()> {
    match existing_video(folder, prefix, format)? {
        None => Ok(()),
        Some(existing) => Err(Error::AlreadyExists {
            path: existing,
            advice: "choose another folder or name_prefix, or set overwrite(true) to replace it"
                .into(),
        }),
    }
}

/// The first file in `folder` named like a video this prefix would write in
/// `format`.
fn existing_video(folder: &Path, prefix: &str, format: VideoFormat) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| is_video_name(n, prefix, format))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

/// Whether `file` is `{prefix}-episode-{N}.mp4` or `{prefix}-step-{N}.mp4`
/// (with `format`'s extension; none for a PNG-sequence folder).
fn is_video_name(file: &str, prefix: &str, format: VideoFormat) -> bool {
    let stem = match format.extension() {
        Some(ext) => file.strip_suffix(ext).and_then(|r| r.strip_suffix('.')),
        None => Some(file),
    };
    let Some(rest) = stem.and_then(|r| r.strip_prefix(prefix)) else {
        return false;
    };
    let id = rest
        .strip_prefix("-episode-")
        .or_else(|| rest.strip_prefix("-step-"));
    id.is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_video_name;
    use crate::video::VideoFormat;

    #[test]
    fn video_names_are_recognised_exactly() {
        let is_mp4 = |name| is_video_name(name, "rl-video", VideoFormat::Mp4);
        assert!(is_mp4("rl-video-episode-0.mp4"));
        assert!(is_mp4("rl-video-step-120.mp4"));
        assert!(!is_mp4("rl-video-episode-.mp4"));
        assert!(!is_mp4("rl-video-episode-1.json"));
        assert!(!is_mp4("other-episode-1.mp4"));
        assert!(!is_mp4("rl-video-episode-1x.mp4"));
        assert!(!is_mp4("rl-video-episode-1.gif"));
        let is = |name, format| is_video_name(name, "rl-video", format);
        assert!(is("rl-video-episode-1.gif", VideoFormat::Gif));
        assert!(is("rl-video-step-9.webm", VideoFormat::WebM));
        let is_png = |name| is_video_name(name, "rl-video", VideoFormat::Png);
        assert!(is_png("rl-video-episode-3"));
        assert!(!is_png("rl-video-episode-3.mp4"));
        assert!(!is_png("rl-video-episode-3.json"));
    }
}
