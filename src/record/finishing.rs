//! Stopped videos finishing in the background: the queue a
//! [`Recorder`](super::Recorder) keeps of [`FinishingVideo`]s, oldest first,
//! and what each gives back once its encoder thread is done.

use super::keep::EpisodeEnd;
use super::video::{EpisodeInVideo, VideoStart};
use super::working::WorkingFile;
use crate::Error;
use crate::video::{FinishingVideo, VideoFacts, VideoSpec};
use std::collections::VecDeque;
use std::path::Path;
use std::time::SystemTime;

/// What the recorder booked about a video while it ran: what started it,
/// when, and what its frames show.
#[derive(Debug)]
pub(super) struct Booked {
    /// The frames' size and rate.
    pub(super) spec: VideoSpec,
    /// Frames handed to the writer.
    pub(super) frames: u64,
    pub(super) started_by: VideoStart,
    pub(super) started_at: SystemTime,
    pub(super) stopped_at: SystemTime,
    pub(super) episodes: Vec<EpisodeInVideo>,
    pub(super) steps: Option<(u64, u64)>,
    /// The episodes that ended in it, for the keep rule and names.
    pub(super) ends: Vec<EpisodeEnd>,
    /// The file written under its working name, locked until it is given
    /// its final name.
    pub(super) working: WorkingFile,
}

/// A stopped video whose encoder thread is done: the file's facts or the
/// error that stopped it, and what was booked about it.
#[derive(Debug)]
pub(super) struct Finished {
    /// The file's facts (at its working name); or the error that cut it short, `None` when that
    /// error was reported as it happened.
    pub(super) outcome: Result<VideoFacts, Option<Error>>,
    pub(super) booked: Booked,
}

/// A stopped video in the queue.
#[derive(Debug)]
enum Pending {
    /// Its encoder thread finishes it.
    Encoding(FinishingVideo),
    /// Its writer failed while it recorded (the error reported then); its
    /// file holds what was written before.
    Failed,
}

/// Stopped videos still encoding, oldest first; at most `max_encoding`
/// videos encode at once, the running one included.
#[derive(Debug)]
pub(super) struct FinishingQueue {
    videos: VecDeque<(Pending, Booked)>,
    max_encoding: usize,
}

impl FinishingQueue {
    /// An empty queue letting `max_encoding` videos (at least one) encode
    /// at once.
    pub(super) fn new(max_encoding: usize) -> Self {
        FinishingQueue {
            videos: VecDeque::new(),
            max_encoding: max_encoding.max(1),
        }
    }

    /// Whether no video is finishing.
    pub(super) fn is_empty(&self) -> bool {
        self.videos.is_empty()
    }

    /// The first episode of the oldest video finishing.
    pub(super) fn oldest_episode(&self) -> Option<u64> {
        let (_, booked) = self.videos.front()?;
        booked.episodes.first().map(|e| e.episode)
    }

    /// Queues a video that goes on finishing in the background.
    pub(super) fn push(&mut self, video: FinishingVideo, booked: Booked) {
        self.videos.push_back((Pending::Encoding(video), booked));
    }

    /// Queues a video whose writer failed while it recorded (its error
    /// already reported), so that what its file holds is reported in
    /// start order.
    pub(super) fn push_failed(&mut self, booked: Booked) {
        self.videos.push_back((Pending::Failed, booked));
    }

    /// The oldest video, waited for, while one more running video would
    /// make more encode at once than allowed.
    pub(super) fn next_over_limit(&mut self) -> Option<Finished> {
        if self.videos.len() < self.max_encoding {
            return None;
        }
        self.pop_oldest()
    }

    /// The oldest video once it is done encoding (with `wait`, waiting for
    /// it); `None` when none is left or, without `wait`, the oldest still
    /// encodes, so that videos are judged in the order they started.
    pub(super) fn next_done(&mut self, wait: bool) -> Option<Finished> {
        let (oldest, _) = self.videos.front()?;
        if let (false, Pending::Encoding(video)) = (wait, oldest) {
            if !video.is_done() {
                return None;
            }
        }
        self.pop_oldest()
    }

    /// Waits for the oldest video and takes it out.
    fn pop_oldest(&mut self) -> Option<Finished> {
        let (pending, booked) = self.videos.pop_front()?;
        let outcome = match pending {
            Pending::Encoding(video) => video.wait().map_err(Some),
            Pending::Failed => Err(None),
        };
        Some(Finished { outcome, booked })
    }
}

/// What the file of a video cut short by a write error still holds, read
/// back: its decodable frames of `spec`; `None` when it holds none (or
/// cannot be read).
pub(super) fn salvage(path: &Path, spec: &VideoSpec) -> Option<VideoFacts> {
    let probe = crate::video::probe::probe(path)
        .ok()
        .filter(|p| p.frames > 0)?;
    Some(VideoFacts {
        path: path.to_path_buf(),
        frames: probe.frames,
        fps: spec.fps,
        duration_secs: probe.frames as f64 / f64::from(spec.fps),
        width: spec.width,
        height: spec.height,
        encoded_width: probe.width,
        encoded_height: probe.height,
        codec: probe.codec,
        pixel_format: probe.pixel_format,
        bytes: bytes_on_disk(path),
    })
}

/// The bytes of a file, or of the files of a folder (a PNG sequence).
pub(super) fn bytes_on_disk(path: &Path) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    match std::fs::read_dir(path) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| len(&e.path())).sum(),
        Err(_) => len(path),
    }
}
