//! The running video and what stays fixed while recording: the
//! [`Recorder`](super::Recorder)'s settings and names, the video in
//! progress (its writer or its held snapshots, what it shows), and opening
//! and feeding writers.

use super::config::StepVideos;
use super::finishing::Booked;
use super::folder::{LiveMark, video_name};
use super::held::{HeldPictures, SnapshotReplay};
use super::keep::EpisodeEnd;
use super::observer::RecordingObserver;
use super::overlay::Overlay;
use super::video::{EpisodeInVideo, VideoStart};
use super::working::WorkingFile;
use crate::env::Frame;
use crate::frame::{FrameRenderer, Snapshot};
use crate::video::{
    EncoderSettings, Submission, VideoFormat, VideoSpec, VideoWriter, WriterOptions,
};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The configuration that stays fixed while recording.
#[derive(Debug)]
pub(super) struct Settings {
    pub(super) folder: PathBuf,
    pub(super) name_prefix: String,
    pub(super) video_length: u64,
    pub(super) fps: u32,
    /// The frame size every video has, when the source declared one.
    pub(super) frame_size: Option<(u32, u32)>,
    pub(super) encoder: EncoderSettings,
    /// The kind of file written; names follow it.
    pub(super) format: VideoFormat,
    /// What to burn into frames; the text is written in `submit_frame`.
    pub(super) overlay: Option<Overlay>,
    pub(super) overwrite: bool,
    /// The worker part set in the config, used in every name.
    pub(super) worker: Option<String>,
    /// How the step trigger is asked and step videos are named.
    pub(super) step_videos: StepVideos,
    /// This recorder's lock file for the folder, from its making (or its
    /// next video) to [`Recorder::take_report`].
    pub(super) mark: Option<LiveMark>,
    /// Whether the warning about live siblings was given.
    pub(super) warned_siblings: bool,
    pub(super) queue_capacity: usize,
    pub(super) snapshot_queue_bytes: usize,
}

pub(super) struct VideoInProgress {
    /// The video's final name.
    pub(super) path: PathBuf,
    /// Opened when the video starts (a declared frame size) or at its
    /// first frame, with the working file it writes.
    pub(super) writer: Option<(VideoWriter, WorkingFile)>,
    pub(super) frames: u64,
    pub(super) started_by: VideoStart,
    pub(super) started_at: SystemTime,
    pub(super) episodes: Vec<EpisodeInVideo>,
    pub(super) steps: Option<(u64, u64)>,
    /// The episodes that ended in it, for the keep rule and names.
    pub(super) ends: Vec<EpisodeEnd>,
    pub(super) fps: u32,
    /// Its snapshots, held for the keep rule instead of a writer.
    pub(super) held: Option<HeldPictures>,
}

/// A video as it stops: written, held, or with no frame (no file).
pub(super) enum Stopped {
    Written(VideoWriter, Booked),
    Held(HeldPictures, Booked<PathBuf>),
}

impl Settings {
    /// The name of the video `started_by` starts: with the worker part
    /// when one is set, or while another live recorder writes the folder
    /// (said once in a warning).
    pub(super) fn video_name(&mut self, started_by: VideoStart) -> String {
        if self.mark.is_none() {
            match LiveMark::new(&self.folder) {
                Ok(mark) => self.mark = Some(mark),
                Err(err) => log::warn!("other recorders writing the folder cannot be seen: {err}"),
            }
        }
        let worker = match (&self.worker, &self.mark) {
            (Some(worker), _) => Some(worker.as_str()),
            (None, Some(mark)) if mark.siblings_live() => {
                if !std::mem::replace(&mut self.warned_siblings, true) {
                    log::warn!(
                        "another live recorder is writing {}: this one names its videos \
                         {}-w{}-… from now on, so that none overwrites another's",
                        self.folder.display(),
                        self.name_prefix,
                        mark.worker()
                    );
                }
                Some(mark.worker())
            }
            _ => None,
        };
        let end = match (self.step_videos, started_by) {
            (StepVideos::StableBaselines3, VideoStart::Step(id)) => {
                Some(id.saturating_add(self.video_length))
            }
            _ => None,
        };
        video_name(&self.name_prefix, worker, started_by, end)
    }
}

impl VideoInProgress {
    /// The video's writer (or held snapshots) and what was booked about
    /// it, as it stops; `None` for a video that never got a frame (and so
    /// has no file).
    pub(super) fn book(self) -> Option<Stopped> {
        let booked = |spec| Booked {
            spec,
            frames: self.frames,
            started_by: self.started_by,
            started_at: self.started_at,
            stopped_at: SystemTime::now(),
            episodes: self.episodes,
            steps: self.steps,
            ends: self.ends,
            decided: None,
            working: (),
        };
        match (self.writer, self.held) {
            (Some((writer, working)), _) => {
                let spec = *writer.spec();
                Some(Stopped::Written(writer, booked(spec).with_working(working)))
            }
            (None, Some(held)) => {
                let (width, height) = held.size();
                let spec = VideoSpec::new(width, height, self.fps);
                Some(Stopped::Held(held, booked(spec).with_working(self.path)))
            }
            (None, None) => {
                log::debug!(
                    "video {} got no frame: nothing written",
                    self.path.display()
                );
                None
            }
        }
    }
}

/// A frame, or a snapshot to render into one, for the running video.
pub(super) enum Picture {
    Frame(Frame),
    Snapshot(Snapshot),
}

/// Sends `picture` with its overlay `text` to `writer`; a snapshot is drawn
/// here first when a `replay` is set. The error says whether the writer
/// failed (`true`) or the replay did.
pub(super) fn submit(
    writer: &mut VideoWriter,
    picture: Picture,
    text: Option<String>,
    replay: Option<&mut SnapshotReplay>,
) -> std::result::Result<(), (Error, bool)> {
    let submission: Submission = match (picture, replay) {
        (Picture::Snapshot(snapshot), Some(replay)) => {
            let mut frame = writer.recycled_buffer();
            replay(&snapshot, &mut frame).map_err(|err| (err, false))?;
            frame.into()
        }
        (Picture::Snapshot(snapshot), None) => snapshot.into(),
        (Picture::Frame(frame), _) => frame.into(),
    };
    let submission = match text {
        Some(text) => submission.labelled(text),
        None => submission,
    };
    writer.submit(submission).map_err(|err| (err, true))
}

/// Opens the writer of the video whose final name is `path` with `spec`,
/// writing its working file (created and locked here, see
/// [`working`](super::working)), with the frame taps the observers ask for
/// (given the final name), and a clone of `renderer` when there is one.
pub(super) fn open_writer(
    settings: &Settings,
    observers: &mut [Box<dyn RecordingObserver>],
    renderer: Option<&dyn FrameRenderer>,
    path: &Path,
    spec: VideoSpec,
) -> Result<(VideoWriter, WorkingFile)> {
    // The format is given, as the working name's extension names none.
    crate::video::check(settings.format, &spec, &settings.encoder)?;
    let working = WorkingFile::create(path, settings.format)?;
    let mut options = WriterOptions::new()
        .format(settings.format)
        .encoder(settings.encoder.clone())
        .queue_capacity(settings.queue_capacity)
        .snapshot_queue_bytes(settings.snapshot_queue_bytes);
    if let Some(overlay) = &settings.overlay {
        options = options.overlay(*overlay.style());
    }
    if let Some(renderer) = renderer {
        options = options.renderer(renderer.boxed_clone());
    }
    for tap in observers
        .iter_mut()
        .filter_map(|o| o.frame_tap(path, &spec))
    {
        options = options.tap(tap);
    }
    match options.create(working.path(), spec) {
        Ok(writer) => Ok((writer, working)),
        Err(err) => {
            working.discard();
            Err(err)
        }
    }
}
