//! [`RecordingConfig`]: everything a recording needs, with Gymnasium's
//! `RecordVideo` defaults, as a builder.

use super::keep::{EpisodeEnd, Keep};
use super::observer::{KeepIf, OnVideo, RecordingObserver};
use super::overlay::Overlay;
use super::trigger::Trigger;
use super::video::RecordedVideo;
use crate::video::{EncoderSettings, VideoFormat};
use crate::{Error, Result, Setting};
use std::fmt;
use std::path::{Path, PathBuf};

/// Everything a [`RecordingWrapper`](super::RecordingWrapper) needs, with Gymnasium's `RecordVideo`
/// defaults; build it with the chained setters, then [`RecordingConfig::wrap`].
///
/// | setting | default |
/// |---|---|
/// | triggers | episode trigger [`Trigger::capped_cubic`] when neither is set |
/// | `name_prefix` | `"rl-video"` |
/// | `video_length` | 0: whole episodes (episode videos) or until the next reset (step videos) |
/// | `fps` | the env's `metadata().render_fps`, else 30 with a logged warning |
/// | `format` | [`VideoFormat::default`]: MP4 when an MP4 backend is built in, else GIF, else PNG |
/// | encoder | H.264 (libx264 `veryfast`, CRF 23), yuv420p MP4 (BT.601, limited range); threads [`EncoderSettings::auto_threads`]: one fewer than the cores, at least 2 on a multi-core machine |
/// | `overlay` | none: frames are recorded as rendered ([`RecordingConfig::overlay`]) |
/// | `overwrite` | false: existing videos are an error at construction |
/// | `queue_capacity` | 4 frames between the env and the encoder thread (the encoder is the slow side; a longer queue only costs memory) |
/// | `deferred_rendering` | on: an env that offers a [`FrameRenderer`](crate::FrameRenderer) ([`Env::frame_renderer`](crate::env::Env::frame_renderer); the classic envs do) hands over snapshots, drawn on the encoder side |
/// | `worker` | none: names carry a worker part (the process id) only while another live recorder writes the folder ([`RecordingConfig::worker`]) |
/// | `parallel_videos` | the machine's cores ([`std::thread::available_parallelism`]): videos that may encode at once, the recording one included |
/// | `snapshot_queue_bytes` | 64 MiB ([`DEFAULT_SNAPSHOT_QUEUE_BYTES`](crate::video::DEFAULT_SNAPSHOT_QUEUE_BYTES)) of snapshots waiting for the encoder before a step waits: a million CartPole snapshots |
/// | `keep` | none: every video is kept ([`RecordingConfig::keep`]) |
/// | `held_snapshot_bytes` | 64 MiB ([`DEFAULT_HELD_SNAPSHOT_BYTES`](super::DEFAULT_HELD_SNAPSHOT_BYTES)) of snapshots held in memory for the keep rule, the rest spilled to a temporary file |
/// | `outcome_in_name`, `name_suffix` | off: Gymnasium's names |
/// | `keep_last`, `max_bytes` | none: nothing is removed ([`RecordingConfig::keep_last`]) |
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
    pub(crate) deferred_rendering: bool,
    pub(crate) snapshot_queue_bytes: usize,
    pub(crate) held_snapshot_bytes: usize,
    pub(crate) parallel_videos: Option<usize>,
    pub(crate) worker: Option<u64>,
    pub(crate) step_videos: StepVideos,
    pub(crate) observers: Vec<Box<dyn RecordingObserver>>,
    pub(crate) keep: Option<Keep>,
    pub(crate) outcome_in_name: bool,
    pub(crate) name_suffix: Option<NameSuffix>,
    pub(crate) retention: Retention,
}

/// A user's name suffix from a video's finished episodes
/// ([`RecordingConfig::name_suffix`]).
pub(crate) type NameSuffix = Box<dyn FnMut(&[EpisodeEnd]) -> Option<String> + Send>;

/// How many videos of its prefix a folder keeps ([`RecordingConfig::keep_last`],
/// [`RecordingConfig::max_bytes`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Retention {
    pub(crate) last: Option<usize>,
    pub(crate) bytes: Option<u64>,
}

/// How the step trigger is asked and step videos are named: Gymnasium
/// `RecordVideo`'s way (the default) or Stable-Baselines3
/// `VecVideoRecorder`'s ([`RecordingConfig::step_videos`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepVideos {
    /// Gymnasium's: the trigger is asked with each step's id (from 0)
    /// after the step, even while a video runs (a firing trigger restarts
    /// it); never at a reset. Videos are `{prefix}-step-{id}`.
    #[default]
    Gymnasium,
    /// Stable-Baselines3's `VecVideoRecorder`: the trigger is asked with
    /// the count of steps taken so far (SB3's `step_id`: 0 before the
    /// first step) at each reset ([`Recorder::begin_episode`](super::Recorder::begin_episode),
    /// where a firing trigger restarts a running video) and after each
    /// step while no video runs and none ran through it (SB3 asks nothing
    /// from a video's start to its `video_length`-th step; gymrec's video
    /// holds exactly `video_length` frames, SB3's one more). A video
    /// started at count `s` is `{prefix}-step-{s}-to-step-{s + video_length}`;
    /// the prefix may be empty, as SB3 allows.
    StableBaselines3,
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
            .field("deferred_rendering", &self.deferred_rendering)
            .field("snapshot_queue_bytes", &self.snapshot_queue_bytes)
            .field("held_snapshot_bytes", &self.held_snapshot_bytes)
            .field("parallel_videos", &self.parallel_videos)
            .field("worker", &self.worker)
            .field("step_videos", &self.step_videos)
            .field("observers", &self.observers.len())
            .field("keep", &self.keep)
            .field("outcome_in_name", &self.outcome_in_name)
            .field("name_suffix", &self.name_suffix.is_some())
            .field("retention", &self.retention)
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
            queue_capacity: crate::video::DEFAULT_QUEUE_CAPACITY,
            deferred_rendering: true,
            snapshot_queue_bytes: crate::video::DEFAULT_SNAPSHOT_QUEUE_BYTES,
            held_snapshot_bytes: super::DEFAULT_HELD_SNAPSHOT_BYTES,
            parallel_videos: None,
            worker: None,
            step_videos: StepVideos::Gymnasium,
            observers: Vec::new(),
            keep: None,
            outcome_in_name: false,
            name_suffix: None,
            retention: Retention::default(),
        }
    }

    /// Keeps only the videos `rule` keeps, decided as their episodes end
    /// (see [`Keep`]): a video is kept when any episode that ends in it is;
    /// nothing (sidecars, index, gallery, TensorBoard, trackers, the
    /// report) hears of the others. Replaces an earlier rule; combine rules
    /// with [`Keep::any`] and [`Keep::all`].
    ///
    /// What a discarded video costs depends on the source:
    /// - **Snapshots** (an env offering a [`FrameRenderer`](crate::FrameRenderer),
    ///   as the classic envs do through the wrappers, or a
    ///   [`Recorder`](super::Recorder) given a renderer or a
    ///   [`snapshot replay`](super::Recorder::set_snapshot_replay)): the
    ///   snapshots are held, nothing is opened, drawn or encoded until the
    ///   rule decides, and a discarded video costs its snapshots only; a
    ///   kept one is drawn and encoded then. Held snapshots are bounded by
    ///   [`held_snapshot_bytes`](Self::held_snapshot_bytes) in memory and
    ///   spilled to a temporary file beyond it; videos waiting for a
    ///   [`Keep::best`] or [`Keep::worst`] window wait as held snapshots.
    /// - **Frames** ([`Recorder::submit_frame`](super::Recorder::submit_frame),
    ///   or `deferred_rendering(false)`): every triggered video is rendered
    ///   and encoded as without a rule, under its working name, and deleted
    ///   when not kept; best/worst candidates wait on disk, not in memory.
    ///
    /// ```
    /// use gymrec::record::{Keep, RecordingConfig, Success, Trigger};
    /// let config = RecordingConfig::new("videos")
    ///     .episode_trigger(Trigger::always())
    ///     .keep(Keep::any([Keep::failures(Success::Truncated), Keep::worst(1, 10)]));
    /// ```
    pub fn keep(mut self, rule: Keep) -> Self {
        self.keep = Some(rule);
        self
    }

    /// Whether a kept video's name ends with the label of the rule that
    /// kept it: `rl-video-episode-7-failure.mp4` (see [`Keep`]'s labels).
    /// A name taken gets `~N`, never overwritten.
    pub fn outcome_in_name(mut self, on: bool) -> Self {
        self.outcome_in_name = on;
        self
    }

    /// A suffix of your own for each video's name, from the episodes that
    /// end in it: `Some("slow")` names it `rl-video-episode-7-slow.mp4`
    /// (ASCII letters, digits and `_`; another suffix is reported as an
    /// error and the video keeps its plain name). Takes precedence over
    /// [`outcome_in_name`](Self::outcome_in_name).
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// let config = RecordingConfig::new("videos")
    ///     .name_suffix(|ends| ends.iter().any(|e| e.length < 20).then(|| "short".to_string()));
    /// ```
    pub fn name_suffix(
        mut self,
        suffix: impl FnMut(&[EpisodeEnd]) -> Option<String> + Send + 'static,
    ) -> Self {
        self.name_suffix = Some(Box::new(suffix));
        self
    }

    /// Keeps at most the `videos` newest finished videos of this name
    /// prefix in the folder (any worker, any outcome): after each kept
    /// video the oldest (by modification time, then name) are deleted,
    /// and observers remove what they wrote of them
    /// ([`RecordingObserver::video_removed`]: the catalog's sidecar, poster,
    /// index lines and gallery card). What a tracker already has stays
    /// there. The newest video is never removed.
    pub fn keep_last(mut self, videos: usize) -> Self {
        self.retention.last = Some(videos);
        self
    }

    /// Keeps the folder's finished videos of this name prefix within
    /// `bytes` in all, deleting the oldest as
    /// [`keep_last`](Self::keep_last) does (the newest is kept even when it
    /// alone is larger).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.retention.bytes = Some(bytes);
        self
    }

    /// How the step trigger is asked and step videos are named (default
    /// [`StepVideos::Gymnasium`]); [`StepVideos::StableBaselines3`] for
    /// SB3's `VecVideoRecorder`.
    ///
    /// ```
    /// use gymrec::record::{RecordingConfig, StepVideos, Trigger};
    /// let config = RecordingConfig::new("videos")
    ///     .step_trigger(Trigger::new(|step| step % 1000 == 0))
    ///     .video_length(200)
    ///     .step_videos(StepVideos::StableBaselines3); // rl-video-step-0-to-step-200.mp4, …
    /// ```
    pub fn step_videos(mut self, style: StepVideos) -> Self {
        self.step_videos = style;
        self
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
    /// (default [`DEFAULT_QUEUE_CAPACITY`](crate::video::DEFAULT_QUEUE_CAPACITY));
    /// 0 makes every frame wait until the encoder thread takes it.
    pub fn queue_capacity(mut self, frames: usize) -> Self {
        self.queue_capacity = frames;
        self
    }

    /// Whether an env that offers deferred rendering
    /// ([`Env::frame_renderer`](crate::env::Env::frame_renderer)) is
    /// recorded through snapshots drawn on the encoder side (the default),
    /// or rendered with `render_into` on the env thread (`false`). The
    /// frames are the same either way.
    pub fn deferred_rendering(mut self, on: bool) -> Self {
        self.deferred_rendering = on;
        self
    }

    /// Bytes of snapshots that may wait for the encoder before a recorded
    /// step waits (deferred rendering): this bounds the memory snapshots
    /// take. At least one snapshot always fits.
    pub fn snapshot_queue_bytes(mut self, bytes: usize) -> Self {
        self.snapshot_queue_bytes = bytes;
        self
    }

    /// Bytes of held snapshots (see [`keep`](Self::keep)) the recorder
    /// keeps in memory, over all its videos waiting for the keep rule
    /// (default [`DEFAULT_HELD_SNAPSHOT_BYTES`](super::DEFAULT_HELD_SNAPSHOT_BYTES),
    /// 64 MiB). Snapshots beyond it are spilled to a temporary file of the
    /// video's own, in the video folder (hidden, `.{name}.held`, unlinked
    /// as soon as it is made on Unix, so a killed process leaves nothing;
    /// removed when the video is decided elsewhere); none is ever dropped.
    /// 0 spills every snapshot.
    ///
    /// ```
    /// use gymrec::record::{Keep, RecordingConfig, Success};
    /// let config = RecordingConfig::new("videos")
    ///     .keep(Keep::failures(Success::Truncated))
    ///     .held_snapshot_bytes(16 << 20); // 16 MiB in memory, then a file
    /// ```
    pub fn held_snapshot_bytes(mut self, bytes: usize) -> Self {
        self.held_snapshot_bytes = bytes;
        self
    }

    /// How many videos may encode at once, the one recording included: a
    /// stopped video finishes encoding in the background while the next
    /// records, and a video starting beyond this many waits for the oldest.
    /// The default is the machine's cores; 1 finishes each video before
    /// the next starts.
    pub fn parallel_videos(mut self, videos: usize) -> Self {
        self.parallel_videos = Some(videos);
        self
    }

    /// The worker id in every file name: `{prefix}-w{worker}-episode-{id}.mp4`
    /// (a training rank, a worker's number), so that recorders writing one
    /// folder never name two videos alike. Without it, names carry a worker
    /// part (the process id) only while another live recorder writes the
    /// same folder (see [`Recorder`](super::Recorder), "Many recorders, one
    /// folder").
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// let config = RecordingConfig::new("videos").worker(3); // rl-video-w3-episode-0.mp4, ...
    /// ```
    pub fn worker(mut self, worker: u64) -> Self {
        self.worker = Some(worker);
        self
    }

    /// The folder videos are written into.
    pub fn video_folder(&self) -> &Path {
        &self.video_folder
    }

    /// Checks the settings that do not depend on the env.
    pub(crate) fn validate(&self) -> Result<()> {
        let prefix = &self.name_prefix;
        // SB3's VecVideoRecorder takes an empty prefix (huggingface_sb3 passes one):
        // `-step-0-to-step-1000.mp4`.
        let empty_refused = prefix.is_empty() && self.step_videos != StepVideos::StableBaselines3;
        if empty_refused || prefix.contains(['/', '\\', '\0']) || prefix.contains("..") {
            return Err(Error::InvalidNamePrefix {
                prefix: prefix.clone(),
            });
        }
        if self.fps == Some(0) {
            return Err(Error::OutOfRange {
                setting: Setting::Fps,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        if self.parallel_videos == Some(0) {
            return Err(Error::OutOfRange {
                setting: Setting::ParallelVideos,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        if self.queue_capacity == 0 {
            return Err(Error::OutOfRange {
                setting: Setting::QueueCapacity,
                value: 0,
                allowed: 1..=u64::MAX,
                context: None,
            });
        }
        self.encoder.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn validate_errors_are_typed() {
        let err = RecordingConfig::new("v")
            .name_prefix("a/b")
            .validate()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidNamePrefix { prefix } if prefix == "a/b"),
            "{err:?}"
        );
        assert!(err.to_string().contains("path separator"), "{err}");
        let err = RecordingConfig::new("v").fps(0).validate().unwrap_err();
        assert!(
            matches!(&err, Error::OutOfRange { setting: Setting::Fps, value: 0, allowed, .. }
                if *allowed.start() == 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("fps = 0"), "{err}");
        let err = RecordingConfig::new("v")
            .queue_capacity(0)
            .validate()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: Setting::QueueCapacity,
                    value: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("queue_capacity is 0"), "{err}");
        let err = RecordingConfig::new("v")
            .encoder(EncoderSettings {
                crf: 60,
                ..EncoderSettings::default()
            })
            .validate()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    setting: Setting::Crf,
                    value: 60,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
