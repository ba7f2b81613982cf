//! [`VectorRecordingWrapper`]: records videos of a [`SyncVectorEnv`], every
//! sub-env tiled into one grid video, or sub-env 0 alone.
//!
//! Episodes and steps are counted as Gymnasium's vector `RecordVideo`
//! (`gymnasium.wrappers.vector.RecordVideo`) counts them with next-step
//! autoreset:
//!
//! - `step_id` counts vector steps from 0.
//! - `episode_id` counts **sub-env 0's** episodes from 0: it grows at
//!   [`reset`](VectorRecordingWrapper::reset), and at the step that
//!   autoresets sub-env 0 (the step after the one where its episode ended).
//!   The other sub-envs' episodes do not count.
//! - An episode trigger starts `{prefix}-episode-{id}.mp4` there; with
//!   `video_length` 0 the video stops at sub-env 0's next reset, after its
//!   final frame. A step trigger starts `{prefix}-step-{id}.mp4` after the
//!   triggering step; with `video_length` 0 it too stops at sub-env 0's next
//!   reset, with `video_length` N > 0 it runs on for exactly N frames
//!   (Gymnasium writes N + 1).
//! - One frame is captured at each reset and after each step, showing every
//!   sub-env as it is then. With next-step autoreset a sub-env whose episode
//!   ends at a step still shows its final state after that step (it is reset
//!   only by the next step), so **the last frame of every episode, of every
//!   sub-env, is in the video**. (Gymnasium's same-step autoreset mode would
//!   lose it; [`SyncVectorEnv`] does not use that mode.)
//!
//! Everything else (file names, formats, fps, the encoder thread,
//! observers, overwrite rules, errors) is as for the single-env
//! [`RecordingWrapper`](super::RecordingWrapper). An
//! [overlay](RecordingConfig::overlay) describes sub-env 0 (its episode,
//! step, return, reward and info; the reward is `None` on the frame of
//! the step that autoreset it) and is drawn in the picture's top-left
//! corner, over sub-env 0's cell when that is wider than the text.
//!
//! ```
//! use gymrec::env::RenderMode;
//! use gymrec::env::vector::SyncVectorEnv;
//! use gymrec::policy::{Heuristic, Policy};
//! use gymrec::record::{RecordingConfig, Trigger, VectorFrames};
//!
//! # fn main() -> gymrec::Result<()> {
//! # let dir = std::env::temp_dir().join(format!("gymrec-doc-vector-{}", std::process::id()));
//! let envs = SyncVectorEnv::from_fn(3, |_| gymrec::make("CartPole-v1", RenderMode::RgbArray))?;
//! let mut envs = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .video_length(20)
//!     .overwrite(true)
//!     .wrap_vector(envs, VectorFrames::Tiled)?;
//! assert_eq!((envs.layout().rows(), envs.layout().cols()), (2, 2)); // one padding cell
//! let mut policies = [Heuristic::CartPole; 3];
//! let (mut obs, _) = envs.reset(Some(0))?;
//! for _ in 0..30 {
//!     let actions = policies.iter_mut().zip(&obs).map(|(p, o)| p.act(o)).collect();
//!     obs = envs.step(actions)?.obs;
//! }
//! let videos = envs.finish().into_result()?;
//! assert!(videos[0].facts.path.ends_with("rl-video-episode-0.mp4"));
//! assert_eq!((videos[0].facts.width, videos[0].facts.height), (1200, 800));
//! assert_eq!(videos[0].facts.frames, 20);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use super::observer::RecordingObserver;
use super::overlay::{Overlay, OverlayContext};
use super::sink::{EncoderSettings, MAX_DIMENSION, VideoFormat, VideoSpec};
use super::state::RecordingConfig;
use super::tile::TileLayout;
use super::trigger::Trigger;
use super::video::{EpisodeInVideo, RecordedVideo, VideoStart};
use super::wrapper::RecordingReport;
use super::writer::{VideoWriter, WriterOptions};
use crate::env::vector::{SyncVectorEnv, VectorStep};
use crate::env::{Env, Frame, Info};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the frames of a vector env's videos show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum VectorFrames {
    /// Every sub-env, tiled into one near-square grid with black padding
    /// (see [`tile`](super::tile) for the layout). Every sub-env must render
    /// frames of one size.
    #[default]
    Tiled,
    /// Sub-env 0 alone, at its own frame size (Gymnasium's
    /// `record_first_only=True`).
    FirstOnly,
}

/// Records videos of a [`SyncVectorEnv`] with Gymnasium's vector
/// `RecordVideo` counting rules; see the [module docs](self).
///
/// Made by [`RecordingConfig::wrap_vector`]. Step it with
/// [`reset`](Self::reset) and [`step`](Self::step), which take and return
/// what [`SyncVectorEnv::reset`] and [`SyncVectorEnv::step`] do.
///
/// The env thread renders each sub-env into one reused cell buffer and
/// copies it into the grid frame taken from the writer's pool, so in the
/// steady state no frame is allocated. Errors while recording stop that
/// video and are logged; the env keeps stepping, and
/// [`finish`](Self::finish) reports every error.
pub struct VectorRecordingWrapper<E: Env> {
    envs: SyncVectorEnv<E>,
    frames: VectorFrames,
    layout: TileLayout,
    /// Each sub-env renders here before its cell is copied into the grid
    /// (unused when the video shows one frame per picture).
    scratch: Frame,
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
    encoder: EncoderSettings,
    /// The kind of file written; names follow it.
    format: VideoFormat,
    /// What to burn into frames (describing sub-env 0).
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

/// Sub-env 0's running episode: its id, and its return and length so far.
#[derive(Debug, Clone, Copy)]
struct EpisodeProgress {
    id: u64,
    ret: f64,
    length: u64,
    done: bool,
}

impl RecordingConfig {
    /// Wraps the vector env `envs` in a [`VectorRecordingWrapper`] with this
    /// configuration; `frames` chooses between a grid of every sub-env and
    /// sub-env 0 alone.
    ///
    /// Errors as [`RecordingConfig::wrap`] does, and also when the sub-envs
    /// render frames of different sizes ([`Error::TileSize`], with
    /// [`VectorFrames::Tiled`]) or the grid would exceed the largest video
    /// side.
    pub fn wrap_vector<E: Env>(
        self,
        envs: SyncVectorEnv<E>,
        frames: VectorFrames,
    ) -> Result<VectorRecordingWrapper<E>> {
        VectorRecordingWrapper::new(envs, self, frames)
    }
}

impl<E: Env> VectorRecordingWrapper<E> {
    /// Wraps `envs`; see [`RecordingConfig::wrap_vector`].
    pub fn new(
        envs: SyncVectorEnv<E>,
        config: RecordingConfig,
        frames: VectorFrames,
    ) -> Result<Self> {
        config.validate()?;
        let name = envs.name();
        let Some(sizes) = envs.frame_sizes() else {
            return Err(Error::NoFrames {
                env: name,
                mode: envs.render_mode().to_string(),
            });
        };
        let cell = sizes[0];
        let layout = match frames {
            VectorFrames::FirstOnly => TileLayout::near_square(1, cell)?,
            VectorFrames::Tiled => {
                if let Some((i, &got)) = sizes.iter().enumerate().find(|(_, s)| **s != cell) {
                    return Err(Error::TileSize {
                        what: format!("{name} sub-env {i}"),
                        expected: cell,
                        got,
                    });
                }
                TileLayout::near_square(envs.num_envs(), cell)?
            }
        };
        let (width, height) = layout.size();
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(Error::InvalidConfig(format!(
                "{name}: {} sub-envs of {}x{} tile into a {width}x{height} video, larger than \
                 {MAX_DIMENSION} pixels a side; record fewer sub-envs or only sub-env 0 \
                 (VectorFrames::FirstOnly)",
                layout.cells(),
                cell.0,
                cell.1
            )));
        }
        let fps = match config.fps.or(envs.metadata().render_fps) {
            Some(0) => {
                return Err(Error::InvalidConfig(format!(
                    "{name} declares render_fps 0; set the video fps explicitly"
                )));
            }
            Some(fps) => fps,
            None => {
                log::warn!(
                    "{name} has no render_fps in its metadata and no fps was set; \
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
        let scratch = if layout.cells() > 1 {
            Frame::new(cell.0, cell.1)
        } else {
            Frame::new(0, 0)
        };
        Ok(VectorRecordingWrapper {
            envs,
            frames,
            layout,
            scratch,
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

    /// Resets every sub-env as [`SyncVectorEnv::reset`] does (sub-env `i`
    /// seeded `seed + i`), counts a new episode of sub-env 0, and captures
    /// the reset frame when a video is running or the episode trigger
    /// starts one.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<E::Obs>, Vec<Info>)> {
        let out = self.envs.reset(seed)?;
        self.begin_episode();
        let empty = Info::new();
        self.capture_frame(None, out.1.first().unwrap_or(&empty), None);
        Ok(out)
    }

    /// Steps every sub-env as [`SyncVectorEnv::step`] does (with next-step
    /// autoreset), counts the step, counts a new episode when the step
    /// autoreset sub-env 0, and captures the frame after the step when a
    /// video is running or a trigger starts one.
    pub fn step(&mut self, actions: Vec<E::Action>) -> Result<VectorStep<E::Obs>> {
        let step = self.envs.step(actions)?;
        let step_id = self.step_id.map_or(0, |id| id + 1);
        self.step_id = Some(step_id);
        let autoreset_0 = step.autoreset.first().copied().unwrap_or(false);
        if autoreset_0 {
            // Gymnasium's `has_autoreset`: sub-env 0 ended at the previous
            // step and this step reset it.
            self.begin_episode();
        } else if let Some(ep) = self.episode.as_mut() {
            ep.ret += step.rewards.first().copied().unwrap_or(0.0);
            ep.length += 1;
            ep.done = step.done(0);
        }
        if let Some(trigger) = self.step_trigger.as_mut() {
            if trigger.fires(step_id) {
                let name = format!("{}-step-{step_id}", self.settings.name_prefix);
                self.start_recording(name, VideoStart::Step(step_id));
            }
        }
        let reward = (!autoreset_0).then(|| step.rewards.first().copied().unwrap_or(0.0));
        let empty = Info::new();
        let info = step.infos.first().unwrap_or(&empty);
        self.capture_frame(Some(step_id), info, reward);
        Ok(step)
    }

    /// Renders what a video frame shows now (the grid of every sub-env, or
    /// sub-env 0) into `frame`, resizing it first when its size is not
    /// [`frame_size`](Self::frame_size).
    pub fn render_into(&mut self, frame: &mut Frame) -> Result<()> {
        let (width, height) = self.layout.size();
        crate::env::ensure_frame_size(frame, width, height);
        render_picture(&mut self.envs, &self.layout, &mut self.scratch, frame)
    }

    /// `(width, height)` of the video frames: the grid's size, or sub-env
    /// 0's frame size with [`VectorFrames::FirstOnly`].
    pub fn frame_size(&self) -> (u32, u32) {
        self.layout.size()
    }

    /// The grid the video frames are made of (1 × 1 with
    /// [`VectorFrames::FirstOnly`]).
    pub fn layout(&self) -> &TileLayout {
        &self.layout
    }

    /// What the video frames show.
    pub fn frames(&self) -> VectorFrames {
        self.frames
    }

    /// The number of sub-envs.
    pub fn num_envs(&self) -> usize {
        self.envs.num_envs()
    }

    /// Whether a video is being recorded now.
    pub fn is_recording(&self) -> bool {
        self.current.is_some()
    }

    /// The id of sub-env 0's current episode (`None` before the first reset).
    pub fn episode_id(&self) -> Option<u64> {
        self.episode_id
    }

    /// The id of the last vector step taken (`None` before the first step).
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

    /// The videos finished so far (not yet taken by [`finish`](Self::finish)).
    pub fn videos(&self) -> &[RecordedVideo] {
        &self.videos
    }

    /// Errors met so far (not yet taken by [`finish`](Self::finish)).
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// The wrapped vector env.
    pub fn inner(&self) -> &SyncVectorEnv<E> {
        &self.envs
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

    /// Closes every sub-env and finalizes the running video. Errors with
    /// the sub-envs' first error, else the first recording error not yet
    /// taken by [`finish`](Self::finish).
    pub fn close(&mut self) -> Result<()> {
        let closed = self.envs.close();
        self.stop_recording();
        let recorded = RecordingReport {
            videos: Vec::new(),
            errors: std::mem::take(&mut self.errors),
        }
        .into_result()
        .map(|_| ());
        closed.and(recorded)
    }

    /// A new episode of sub-env 0 begins (at a reset, or at the step that
    /// autoreset it): counts it, stops a whole-episode video, and asks the
    /// episode trigger.
    fn begin_episode(&mut self) {
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
            env_id: self.envs.spec().map(|s| s.id.clone()),
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

    /// Renders the picture into the running video (after the step
    /// `step_id`, or at a reset when `None`); stops it after `video_length`
    /// frames or on an error.
    fn capture_frame(&mut self, step_id: Option<u64>, info: &Info, reward: Option<f64>) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        let mut frame = video.writer.buffer();
        if let Err(err) =
            render_picture(&mut self.envs, &self.layout, &mut self.scratch, &mut frame)
        {
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
            if let Some(video) = self.current.take() {
                let _ = video.writer.finish();
            }
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

/// Renders one video picture into `frame`, which has the layout's size:
/// sub-env 0 straight into it when the layout has one cell, else each
/// sub-env into `scratch` and from there into its cell, then the padding.
fn render_picture<E: Env>(
    envs: &mut SyncVectorEnv<E>,
    layout: &TileLayout,
    scratch: &mut Frame,
    frame: &mut Frame,
) -> Result<()> {
    if layout.cells() == 1 {
        return envs.render_into(0, frame);
    }
    for i in 0..layout.cells() {
        envs.render_into(i, scratch)?;
        if scratch.dimensions() != layout.cell_size() {
            return Err(Error::TileSize {
                what: format!("{} sub-env {i}", envs.name()),
                expected: layout.cell_size(),
                got: scratch.dimensions(),
            });
        }
        layout.copy_cell(i, scratch, frame)?;
    }
    layout.clear_padding(frame)
}

impl<E: Env> Drop for VectorRecordingWrapper<E> {
    fn drop(&mut self) {
        self.stop_recording();
        for err in &self.errors {
            log::warn!("recording error not collected by finish(): {err}");
        }
    }
}

impl<E: Env + std::fmt::Debug> std::fmt::Debug for VectorRecordingWrapper<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorRecordingWrapper")
            .field("envs", &self.envs)
            .field("frames", &self.frames)
            .field("layout", &self.layout)
            .field("settings", &self.settings)
            .field("episode_id", &self.episode_id)
            .field("step_id", &self.step_id)
            .field("recording", &self.is_recording())
            .finish_non_exhaustive()
    }
}

// The two helpers below apply the same folder rules as the single-env
// `RecordingWrapper` (whose own copies are private to its module).

/// Creates `folder` when missing and checks that files can be created in it.
fn prepare_folder(folder: &Path) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    let probe = folder.join(format!(".gymrec-write-check-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| Error::io(folder, e))?;
    std::fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(())
}

/// The first file in `folder` named like a video this prefix would write in
/// `format`: `{prefix}-episode-{N}.mp4` or `{prefix}-step-{N}.mp4` (with
/// `format`'s extension; none for a PNG-sequence folder).
fn existing_video(folder: &Path, prefix: &str, format: VideoFormat) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    let is_video = |file: &str| {
        let stem = match format.extension() {
            Some(ext) => file.strip_suffix(ext).and_then(|r| r.strip_suffix('.')),
            None => Some(file),
        };
        let Some(rest) = stem.and_then(|r| r.strip_prefix(prefix)) else {
            return false;
        };
        rest.strip_prefix("-episode-")
            .or_else(|| rest.strip_prefix("-step-"))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_video))
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}
