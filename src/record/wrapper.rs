//! [`RecordingWrapper`]: an env that records videos of itself.

use super::observer::RecordingObserver;
use super::overlay::{Overlay, OverlayContext};
use super::sink::{VideoFormat, VideoSpec};
use super::state::RecordingConfig;
use super::trigger::Trigger;
use super::video::{EpisodeInVideo, RecordedVideo, VideoStart};
use super::writer::{VideoWriter, WriterOptions};
use crate::env::{Env, EnvSpec, Info, Step};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
    env: E,
    settings: Settings,
    episode_trigger: Option<Trigger>,
    step_trigger: Option<Trigger>,
    episode_id: Option<u64>,
    step_id: Option<u64>,
    episode: Option<EpisodeProgress>,
    current: Option<VideoInProgress>,
    observers: Vec<Box<dyn RecordingObserver>>,
    videos: Vec<RecordedVideo>,
    errors: Vec<Error>,
}

/// The configuration that stays fixed while recording.
#[derive(Debug)]
struct Settings {
    folder: PathBuf,
    name_prefix: String,
    video_length: u64,
    spec: VideoSpec,
    encoder: super::sink::EncoderSettings,
    /// The kind of file written; names follow it.
    format: VideoFormat,
    /// What to burn into frames; the text closure runs in `capture_frame`.
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

/// The running episode: its id, and its return and length so far.
#[derive(Debug, Clone, Copy)]
struct EpisodeProgress {
    id: u64,
    ret: f64,
    length: u64,
    done: bool,
}

/// What a [`RecordingWrapper`] wrote, and every error it met, since it was
/// made or last finished.
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

impl<E: Env> RecordingWrapper<E> {
    /// Wraps `env`; see [`RecordingConfig::wrap`].
    pub fn new(env: E, config: RecordingConfig) -> Result<Self> {
        config.validate()?;
        let env_name = env
            .spec()
            .map_or_else(|| "the env".to_string(), |s| s.id.clone());
        let Some((width, height)) = env.frame_size() else {
            return Err(Error::NoFrames {
                env: env_name,
                mode: env.render_mode().to_string(),
            });
        };
        let fps = match config.fps.or(env.metadata().render_fps) {
            Some(0) => {
                return Err(Error::InvalidConfig(format!(
                    "{env_name} declares render_fps 0; set the video fps explicitly"
                )));
            }
            Some(fps) => fps,
            None => {
                log::warn!(
                    "{env_name} has no render_fps in its metadata and no fps was set; \
                     recording at 30 fps"
                );
                30
            }
        };
        let (episode_trigger, step_trigger) = match (config.episode_trigger, config.step_trigger) {
            (None, None) => (Some(Trigger::capped_cubic()), None),
            pair => pair,
        };
        let spec = VideoSpec { width, height, fps };
        super::sink::check(config.format, &spec, &config.encoder)?;
        prepare_folder(&config.video_folder)?;
        if !config.overwrite {
            if let Some(existing) =
                existing_video(&config.video_folder, &config.name_prefix, config.format)?
            {
                return Err(Error::InvalidConfig(format!(
                    "{} already exists; choose another folder or name_prefix, \
                     or set overwrite(true) to replace it",
                    existing.display()
                )));
            }
        }
        Ok(RecordingWrapper {
            env,
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
            episode_trigger,
            step_trigger,
            episode_id: None,
            step_id: None,
            episode: None,
            current: None,
            observers: config.observers,
            videos: Vec::new(),
            errors: Vec::new(),
        })
    }

    /// Whether a video is being recorded now.
    pub fn is_recording(&self) -> bool {
        self.current.is_some()
    }

    /// The id of the current episode (`None` before the first reset).
    pub fn episode_id(&self) -> Option<u64> {
        self.episode_id
    }

    /// The id of the last step taken (`None` before the first step).
    pub fn step_id(&self) -> Option<u64> {
        self.step_id
    }

    /// The folder videos are written into.
    pub fn video_folder(&self) -> &Path {
        &self.settings.folder
    }

    /// Frames per second of the videos.
    pub fn fps(&self) -> u32 {
        self.settings.spec.fps
    }

    /// The videos finished so far (not yet taken by [`RecordingWrapper::finish`]).
    pub fn videos(&self) -> &[RecordedVideo] {
        &self.videos
    }

    /// Errors met so far (not yet taken by [`RecordingWrapper::finish`]).
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// Finalizes the running video, if any, and returns every video written
    /// and every error met since the wrapper was made or last finished. The
    /// wrapper can go on recording afterwards.
    pub fn finish(&mut self) -> RecordingReport {
        self.stop_recording();
        RecordingReport {
            videos: std::mem::take(&mut self.videos),
            errors: std::mem::take(&mut self.errors),
        }
    }

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.env
    }

    /// The wrapped env, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.env
    }

    fn start_recording(&mut self, name: String, started_by: VideoStart) {
        self.stop_recording();
        let path = self
            .settings
            .folder
            .join(self.settings.format.file_name(&name));
        if !self.settings.overwrite && path.exists() {
            self.fail(Error::InvalidConfig(format!(
                "{} already exists (written by someone else since the wrapper was made); \
                 not recording it; set overwrite(true) to replace such files",
                path.display()
            )));
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
            env_id: self.env.spec().map(|s| s.id.clone()),
            trigger: match started_by {
                VideoStart::Episode(_) => self.episode_trigger.as_ref(),
                VideoStart::Step(_) => self.step_trigger.as_ref(),
            }
            .map_or_else(|| "custom".to_string(), |t| t.kind().to_string()),
            started_by,
            episodes,
            steps,
            started_at,
            finished_at: SystemTime::now(),
        };
        let keep = self.observers.iter_mut().all(|o| o.keep(&video));
        if !keep {
            log::debug!("video {} not kept: removed", video.facts.path.display());
            let removed = if video.facts.path.is_dir() {
                std::fs::remove_dir_all(&video.facts.path) // a PNG sequence
            } else {
                std::fs::remove_file(&video.facts.path)
            };
            if let Err(err) = removed {
                self.fail(Error::io(&video.facts.path, err));
            }
            return;
        }
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

    /// Renders the current state into the running video (after the step
    /// `step_id`, or at a reset when `None`); stops it after `video_length`
    /// frames or on an error.
    fn capture_frame(&mut self, step_id: Option<u64>, info: &Info, reward: Option<f64>) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        let mut frame = video.writer.buffer();
        if let Err(err) = self.env.render_into(&mut frame) {
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
                    step_id,
                    ret: self.episode.map_or(0.0, |ep| ep.ret),
                    reward,
                    info,
                };
                overlay.fill(&context, &mut label);
                video.writer.submit_labelled(frame, label)
            }
            None => video.writer.submit(frame),
        };
        if let Err(err) = submitted {
            // The writer is dead: finishing it reports the same failure, so
            // keep only the first error.
            let video = self.current.take().expect("checked above");
            let _ = video.writer.finish();
            self.fail(err);
            return;
        }
        video.frames += 1;
        if let Some(ep) = self.episode {
            match video.episodes.last_mut() {
                Some(last) if last.episode == ep.id => {
                    last.ret = ep.ret;
                    last.length = ep.length;
                    last.complete = ep.done;
                }
                _ => video.episodes.push(EpisodeInVideo {
                    episode: ep.id,
                    ret: ep.ret,
                    length: ep.length,
                    complete: ep.done,
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

    fn fail(&mut self, err: Error) {
        log::warn!("recording stopped: {err}");
        self.errors.push(err);
    }
}

impl<E: Env> Env for RecordingWrapper<E> {
    type Obs = E::Obs;
    type Action = E::Action;

    fn reset(&mut self, seed: Option<u64>) -> Result<(E::Obs, Info)> {
        let out = self.env.reset(seed)?;
        let episode_id = self.episode_id.map_or(0, |id| id + 1);
        self.episode_id = Some(episode_id);
        self.episode = Some(EpisodeProgress {
            id: episode_id,
            ret: 0.0,
            length: 0,
            done: false,
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
        self.capture_frame(None, &out.1, None);
        Ok(out)
    }

    fn step(&mut self, action: E::Action) -> Result<Step<E::Obs>> {
        let step = self.env.step(action)?;
        let step_id = self.step_id.map_or(0, |id| id + 1);
        self.step_id = Some(step_id);
        if let Some(ep) = self.episode.as_mut() {
            ep.ret += step.reward;
            ep.length += 1;
            ep.done = step.done();
        }
        if let Some(trigger) = self.step_trigger.as_mut() {
            if trigger.fires(step_id) {
                let name = format!("{}-step-{step_id}", self.settings.name_prefix);
                self.start_recording(name, VideoStart::Step(step_id));
            }
        }
        self.capture_frame(Some(step_id), &step.info, Some(step.reward));
        Ok(step)
    }

    fn spec(&self) -> Option<&EnvSpec> {
        self.env.spec()
    }

    /// Closes the inner env and finalizes the running video. Errors with the
    /// first recording error not yet taken by [`RecordingWrapper::finish`].
    fn close(&mut self) -> Result<()> {
        let closed = self.env.close();
        self.finish_keeping_videos()?;
        closed
    }

    crate::forward_env_rendering!(env);
}

impl<E: Env> RecordingWrapper<E> {
    fn finish_keeping_videos(&mut self) -> Result<()> {
        self.stop_recording();
        let errors = std::mem::take(&mut self.errors);
        RecordingReport {
            videos: Vec::new(),
            errors,
        }
        .into_result()
        .map(|_| ())
    }
}

impl<E: Env> Drop for RecordingWrapper<E> {
    fn drop(&mut self) {
        self.stop_recording();
        for err in &self.errors {
            log::warn!("recording error not collected by finish(): {err}");
        }
    }
}

impl<E: Env + std::fmt::Debug> std::fmt::Debug for RecordingWrapper<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWrapper")
            .field("env", &self.env)
            .field("settings", &self.settings)
            .field("episode_id", &self.episode_id)
            .field("step_id", &self.step_id)
            .field("recording", &self.is_recording())
            .finish_non_exhaustive()
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
    use crate::record::sink::VideoFormat;

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
