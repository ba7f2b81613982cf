//! Stopped videos finishing in the background: the queue a
//! [`Recorder`](super::Recorder) keeps of [`FinishingVideo`]s and of videos
//! whose snapshots are held for the keep rule ([`held`](super::held)),
//! oldest first, and what each gives back once its encoder thread is done.

use super::held::HeldPictures;
use super::keep::{EpisodeEnd, Verdict};
use super::report::Outlet;
use super::video::{EpisodeInVideo, VideoStart};
use super::working::WorkingFile;
use crate::video::{FinishingVideo, VideoFacts, VideoSpec};
use crate::{Error, Result};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::SystemTime;

/// What the recorder booked about a video while it ran: what started it,
/// when, and what its frames show; `W` is its file: the [`WorkingFile`]
/// written, or, for a held video not written yet, its final name.
#[derive(Debug)]
pub(super) struct Booked<W = WorkingFile> {
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
    /// The keep rule's decision, once made (for a held video, before it
    /// is written).
    pub(super) decided: Option<Verdict>,
    /// The file written under its working name, locked until it is given
    /// its final name.
    pub(super) working: W,
}

impl<W> Booked<W> {
    /// The same booking with `working` as its file.
    pub(super) fn with_working<V>(self, working: V) -> Booked<V> {
        Booked {
            spec: self.spec,
            frames: self.frames,
            started_by: self.started_by,
            started_at: self.started_at,
            stopped_at: self.stopped_at,
            episodes: self.episodes,
            steps: self.steps,
            ends: self.ends,
            decided: self.decided,
            working,
        }
    }
}

/// A stopped video whose encoder thread is done: the file's facts or the
/// error that stopped it, and what was booked about it.
#[derive(Debug)]
pub(super) struct Finished {
    /// The file's facts (at its working name); or the error that cut it short, `None` when that
    /// error was reported as it happened.
    pub(super) outcome: std::result::Result<VideoFacts, Option<Error>>,
    pub(super) booked: Booked,
}

/// A stopped video being written.
#[derive(Debug)]
pub(super) enum Pending {
    /// Its encoder thread finishes it.
    Encoding(FinishingVideo),
    /// A kept held video: a thread feeds its snapshots to its writer and
    /// finishes it.
    Feeding(JoinHandle<Result<VideoFacts>>),
    /// Its writer failed while it recorded (the error reported then); its
    /// file holds what was written before.
    Failed,
}

/// A stopped video in the queue.
#[derive(Debug)]
enum Slot {
    Writing(Pending, Booked),
    /// Its snapshots, held until the keep rule decides.
    Held(HeldPictures, Booked<PathBuf>),
}

/// Stopped videos, oldest first: still encoding, or held for the keep
/// rule; at most `max_encoding` videos encode at once, the running one
/// included.
#[derive(Debug)]
pub(super) struct FinishingQueue {
    videos: VecDeque<Slot>,
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
        let episodes = match self.videos.front()? {
            Slot::Writing(_, booked) => &booked.episodes,
            Slot::Held(_, booked) => &booked.episodes,
        };
        episodes.first().map(|e| e.episode)
    }

    /// Queues a video being written.
    pub(super) fn push(&mut self, pending: Pending, booked: Booked) {
        self.videos.push_back(Slot::Writing(pending, booked));
    }

    /// Queues a video whose snapshots are held for the keep rule.
    pub(super) fn push_held(&mut self, held: HeldPictures, booked: Booked<PathBuf>) {
        self.videos.push_back(Slot::Held(held, booked));
    }

    /// Whether some video is held.
    pub(super) fn has_held(&self) -> bool {
        self.videos
            .iter()
            .any(|slot| matches!(slot, Slot::Held(..)))
    }

    /// Videos being written.
    pub(super) fn writing(&self) -> usize {
        self.videos
            .iter()
            .filter(|slot| matches!(slot, Slot::Writing(..)))
            .count()
    }

    /// Whether one more video may be written now.
    pub(super) fn may_write(&self) -> bool {
        self.writing() < self.max_encoding
    }

    /// The first held video at or after `from`: its place and booking.
    pub(super) fn next_held(&mut self, from: usize) -> Option<(usize, &mut Booked<PathBuf>)> {
        self.videos
            .iter_mut()
            .enumerate()
            .skip(from)
            .find_map(|(at, slot)| match slot {
                Slot::Held(_, booked) => Some((at, booked)),
                Slot::Writing(..) => None,
            })
    }

    /// Takes the held video at `at` out of the queue.
    pub(super) fn take_held(&mut self, at: usize) -> Option<(HeldPictures, Booked<PathBuf>)> {
        match self.videos.remove(at)? {
            Slot::Held(held, booked) => Some((held, booked)),
            writing => {
                self.videos.insert(at, writing);
                None
            }
        }
    }

    /// Puts a video being written at `at` (where its held form was).
    pub(super) fn insert(&mut self, at: usize, pending: Pending, booked: Booked) {
        self.videos.insert(at, Slot::Writing(pending, booked));
    }

    /// The oldest video, waited for, while `one_more` video being written
    /// would make more encode at once than allowed (when the oldest is
    /// written, not held).
    pub(super) fn next_over_limit(&mut self, one_more: bool) -> Option<Finished> {
        if self.writing() + usize::from(one_more) <= self.max_encoding {
            return None;
        }
        self.pop_written()
    }

    /// The oldest video once it is done encoding (with `wait`, waiting for
    /// it); `None` when none is left, the oldest is held or, without
    /// `wait`, still encodes, so that videos are judged in the order they
    /// started.
    pub(super) fn next_done(&mut self, wait: bool) -> Option<Finished> {
        let done = match self.videos.front()? {
            Slot::Held(..) => false,
            Slot::Writing(Pending::Encoding(video), _) => wait || video.is_done(),
            Slot::Writing(Pending::Feeding(feeder), _) => wait || feeder.is_finished(),
            Slot::Writing(Pending::Failed, _) => true,
        };
        if done { self.pop_written() } else { None }
    }

    /// Waits for the oldest video, when it is written, and takes it out.
    fn pop_written(&mut self) -> Option<Finished> {
        let Slot::Writing(..) = self.videos.front()? else {
            return None;
        };
        let Some(Slot::Writing(pending, booked)) = self.videos.pop_front() else {
            return None;
        };
        let outcome = match pending {
            Pending::Encoding(video) => video.wait().map_err(Some),
            Pending::Feeding(feeder) => match feeder.join() {
                Ok(result) => result.map_err(Some),
                Err(_) => Err(Some(Error::encode_failed(
                    booked.working.path(),
                    "feeding held snapshots to the writer",
                    "the feeding thread panicked; please report it",
                ))),
            },
            Pending::Failed => Err(None),
        };
        Some(Finished { outcome, booked })
    }
}

/// The facts of a video done encoding, at its working name, and whether it
/// is incomplete: cut short by an error (reported to `out`), it holds what
/// its file does when that decodes; a file holding no frame keeps its
/// working name (`None`).
pub(super) fn facts_of(
    outcome: std::result::Result<VideoFacts, Option<Error>>,
    booked: &Booked,
    out: &mut Outlet,
) -> Option<(VideoFacts, bool)> {
    let working = &booked.working;
    let err = match outcome {
        Ok(facts) => return Some((facts, false)),
        Err(err) => err,
    };
    if let Some(err) = err {
        out.fail(err);
    }
    let Some(facts) = salvage(working.path(), &booked.spec) else {
        log::warn!(
            "video {} was cut short before any frame could be read back: left under its \
             working name",
            working.path().display()
        );
        return None;
    };
    log::warn!(
        "video {} was cut short: it holds {} of the {} frames recorded and is reported \
         incomplete",
        working.final_path().display(),
        facts.frames,
        booked.frames
    );
    Some((facts, true))
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
