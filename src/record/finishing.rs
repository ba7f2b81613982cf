//! Stopped videos finishing in the background: the queue a
//! [`Recorder`](super::Recorder) keeps of [`FinishingVideo`]s, oldest first,
//! and what each gives back once its encoder thread is done.

use super::video::{EpisodeInVideo, VideoStart};
use crate::Result;
use crate::video::{FinishingVideo, VideoFacts};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::SystemTime;

/// What the recorder booked about a video while it ran: what started it,
/// when, and what its frames show.
#[derive(Debug)]
pub(super) struct Booked {
    pub(super) started_by: VideoStart,
    pub(super) started_at: SystemTime,
    pub(super) stopped_at: SystemTime,
    pub(super) episodes: Vec<EpisodeInVideo>,
    pub(super) steps: Option<(u64, u64)>,
}

/// A stopped video whose encoder thread is done: the file's facts or the
/// error that stopped it, and what was booked about it.
#[derive(Debug)]
pub(super) struct Finished {
    /// The file the video was written to.
    pub(super) path: PathBuf,
    pub(super) outcome: Result<VideoFacts>,
    pub(super) booked: Booked,
}

/// Stopped videos still encoding, oldest first; at most `max_encoding`
/// videos encode at once, the running one included.
#[derive(Debug)]
pub(super) struct FinishingQueue {
    videos: VecDeque<(FinishingVideo, Booked)>,
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

    /// Queues a video that goes on finishing in the background.
    pub(super) fn push(&mut self, video: FinishingVideo, booked: Booked) {
        self.videos.push_back((video, booked));
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
        if !wait && !oldest.is_done() {
            return None;
        }
        self.pop_oldest()
    }

    /// Waits for the oldest video and takes it out.
    fn pop_oldest(&mut self) -> Option<Finished> {
        let (video, booked) = self.videos.pop_front()?;
        let path = video.path().to_path_buf();
        Some(Finished {
            path,
            outcome: video.wait(),
            booked,
        })
    }
}
