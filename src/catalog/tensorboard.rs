//! [`TensorBoard`]: the observer that logs a recording to a TensorBoard
//! run: every episode's return and length, and each kept clip as an
//! animated GIF preview with a text entry naming its file (feature
//! `tensorboard`).
//!
//! ```
//! use gymrec::env::{Env, RenderMode, SpaceValue};
//! use gymrec::record::{RecordingConfig, Trigger};
//! use gymrec::tensorboard::read_events;
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-tb-observer-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(dir.join("videos"))
//!     .episode_trigger(Trigger::always())
//!     .tensorboard(dir.join("runs/cartpole"))
//!     .overwrite(true)
//!     .wrap(env)?;
//! env.reset(Some(0))?;
//! while !env.step(SpaceValue::Discrete(1))?.done() {}
//! env.finish().into_result()?;
//!
//! let file = std::fs::read_dir(dir.join("runs/cartpole")).unwrap().next().unwrap().unwrap().path();
//! let tags: Vec<String> = read_events(&file)?.into_iter().map(|v| v.tag).collect();
//! assert_eq!(tags, ["episode/return", "episode/length", "videos", "videos/file"]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use crate::record::{RecordedVideo, RecordingConfig, RecordingObserver, VideoStart};
use crate::tensorboard::{GifImage, GifPreview, PreviewSettings, SharedWriter, SummaryWriter};
use crate::video::{FrameTap, VideoFacts, VideoSpec};
use crate::{Frame, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The previews the taps made, by clip path, until the observer takes them.
type Previews = Arc<Mutex<HashMap<PathBuf, Result<GifImage>>>>;

/// The [`RecordingObserver`] that logs episodes and clips to a TensorBoard
/// run (see the [`catalog`](crate::catalog) docs).
///
/// - At each episode's end (every episode, recorded or not): the scalars
///   `episode/return` and `episode/length` at step `base + episode id`
///   (unless [`episodes(false)`](Self::episodes)), then a flush.
/// - For each kept clip: a [`GifPreview`] made from the same frames as the
///   clip, on its encoder thread (so it works whatever the clip's format),
///   under the clip tag (default `videos`) at step `base +` the clip's
///   first episode id, and a markdown text under `<tag>/file` naming the
///   file, its frames and the episodes it shows; then a flush.
///
/// [`new`](Self::new) opens its own event file in a run folder, at the
/// first thing to log; [`shared`](Self::shared) writes into a writer that
/// others share (a training run's).
pub struct TensorBoard {
    run_dir: Option<PathBuf>,
    writer: SharedWriter,
    tag: String,
    base: u64,
    episodes: bool,
    settings: PreviewSettings,
    previews: Previews,
}

impl std::fmt::Debug for TensorBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TensorBoard")
            .field("run_dir", &self.run_dir)
            .field("tag", &self.tag)
            .field("base", &self.base)
            .field("episodes", &self.episodes)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TensorBoard {
    /// Logs into a new event file in the run folder `run_dir` (created with
    /// its parents), opened at the first episode's end or clip. Point
    /// TensorBoard at a parent folder (`tensorboard --logdir runs`).
    pub fn new(run_dir: impl Into<PathBuf>) -> Self {
        Self::with_writer(Some(run_dir.into()), SharedWriter::empty())
    }

    /// Logs into `writer`; while it holds no writer, nothing is logged.
    pub fn shared(writer: SharedWriter) -> Self {
        Self::with_writer(None, writer)
    }

    fn with_writer(run_dir: Option<PathBuf>, writer: SharedWriter) -> Self {
        TensorBoard {
            run_dir,
            writer,
            tag: "videos".into(),
            base: 0,
            episodes: true,
            settings: PreviewSettings::default(),
            previews: Previews::default(),
        }
    }

    /// The tag of the clips' GIFs (default `videos`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// The step of the recorder's episode 0 (default 0); the training side
    /// sets 1, its first episode's number.
    pub fn step_base(mut self, base: u64) -> Self {
        self.base = base;
        self
    }

    /// Whether to log each episode's return and length (default true).
    pub fn episodes(mut self, log: bool) -> Self {
        self.episodes = log;
        self
    }

    /// The previews' size and rate limits.
    pub fn preview(mut self, settings: PreviewSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Opens the writer when this observer has its own and it is not open.
    fn ensure_open(&mut self) -> Result<()> {
        if let Some(dir) = &self.run_dir {
            if !self.writer.is_open() {
                self.writer.set(SummaryWriter::create(dir)?);
            }
        }
        Ok(())
    }

    /// Runs `f` on the writer, opening it first when it is this observer's.
    fn write(&mut self, f: impl FnOnce(&mut SummaryWriter) -> Result<()>) -> Result<()> {
        self.ensure_open()?;
        match self.writer.with(f) {
            Some(result) => result,
            None => {
                log::debug!("TensorBoard: no writer open yet, nothing logged");
                Ok(())
            }
        }
    }

    /// The step a clip is logged at: its first episode's.
    fn step_of(&self, video: &RecordedVideo) -> u64 {
        let episode = match (video.started_by, video.episodes.first()) {
            (VideoStart::Episode(id), _) => id,
            (VideoStart::Step(_), Some(e)) => e.episode,
            (VideoStart::Step(id), None) => id,
        };
        self.base.saturating_add(episode)
    }
}

/// The text entry of a clip: its file, frames and episodes, in markdown.
fn clip_text(video: &RecordedVideo, base: u64) -> String {
    let facts = &video.facts;
    let mut text = format!(
        "`{}`: {} frames, {:.2} s, {}x{} at {} fps ({}).\n\n",
        facts.path.display(),
        facts.frames,
        facts.duration_secs,
        facts.width,
        facts.height,
        facts.fps,
        video.trigger
    );
    if !video.episodes.is_empty() {
        text.push_str("| episode | return | steps | complete |\n|---:|---:|---:|:---:|\n");
        for e in &video.episodes {
            text.push_str(&format!(
                "| {} | {:.2} | {} | {} |\n",
                base.saturating_add(e.episode),
                e.ret,
                e.length,
                if e.complete { "yes" } else { "no" }
            ));
        }
    }
    text
}

impl RecordingObserver for TensorBoard {
    fn frame_tap(&mut self, path: &Path, spec: &VideoSpec) -> Option<Box<dyn FrameTap>> {
        Some(Box::new(PreviewTap {
            path: path.to_path_buf(),
            preview: GifPreview::new(path, spec.width, spec.height, spec.fps, self.settings),
            previews: self.previews.clone(),
        }))
    }

    fn episode_finished(&mut self, episode: u64, ret: f64, length: u64) {
        if !self.episodes {
            return;
        }
        let step = self.base.saturating_add(episode);
        let logged = self.write(|w| {
            w.add_scalar("episode/return", step, ret)?;
            w.add_scalar("episode/length", step, length as f64)?;
            w.flush()
        });
        if let Err(err) = logged {
            log::warn!("episode {episode} not logged: {err}");
        }
    }

    /// Forgets the previews of videos no longer on disk under their final
    /// or working names (not kept), so that they hold no memory.
    fn video_started(&mut self, _path: &Path, _started_by: VideoStart) {
        self.previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|path, _| path.exists() || crate::record::working_path(path).exists());
    }

    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        let path = &video.facts.path;
        // The tap knew the video by the name it started with.
        let started_as = video.recorded_as.as_deref().unwrap_or(path);
        let preview = self
            .previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(started_as);
        let step = self.step_of(video);
        let (tag, base) = (self.tag.clone(), self.base);
        self.write(|w| {
            match preview {
                Some(Ok(gif)) => w.add_gif(&tag, step, &gif)?,
                Some(Err(err)) => log::warn!("no preview of {}: {err}", path.display()),
                None => log::debug!("no preview of {}", path.display()),
            }
            w.add_text(&format!("{tag}/file"), step, &clip_text(video, base))?;
            w.flush()
        })
    }
}

/// Makes a clip's preview on its encoder thread and leaves it for the
/// observer.
struct PreviewTap {
    path: PathBuf,
    preview: GifPreview,
    previews: Previews,
}

impl FrameTap for PreviewTap {
    fn frame(&mut self, _index: u64, frame: &Frame) {
        self.preview.push(frame);
    }

    fn finish(self, facts: Option<&VideoFacts>) {
        if facts.is_none() {
            return;
        }
        let PreviewTap {
            path,
            preview,
            previews,
        } = self;
        let gif = preview.finish();
        previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, gif);
    }
}

/// The TensorBoard shorthand lives here, beside the observer it adds, so
/// that the recording layer never imports this one.
impl RecordingConfig {
    /// Logs every episode's return and length and each kept clip's GIF
    /// preview to a TensorBoard run in `run_dir`. Shorthand for
    /// `.observer(TensorBoard::new(run_dir))` (see [`TensorBoard`]).
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// let config = RecordingConfig::new("videos").tensorboard("runs/cartpole");
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "tensorboard")))]
    pub fn tensorboard(self, run_dir: impl Into<PathBuf>) -> Self {
        self.observer(TensorBoard::new(run_dir))
    }
}
