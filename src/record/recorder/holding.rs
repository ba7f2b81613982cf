//! The [`Recorder`]'s side of held snapshots ([`held`](super::super::held)):
//! whether a video holds, holding a running video's snapshots, drawing
//! them after all when frames come, and deciding, drawing and encoding
//! held videos once the keep rule speaks.

use super::Recorder;
use crate::Error;
use crate::Result;
use crate::frame::Snapshot;
use crate::record::finishing::{Booked, Pending};
use crate::record::held::HeldPictures;
use crate::record::keep::Verdict;
use crate::record::running::open_writer;
use crate::record::working::WorkingFile;
use crate::video::{VideoSpec, VideoWriter};
use std::path::{Path, PathBuf};

impl Recorder {
    /// An empty snapshot to hold for the running video, whose held
    /// snapshots are of `width` × `height` (set by its first); `None`
    /// (the video stopped, the error reported) for another size.
    pub(super) fn held_buffer(&mut self, width: u32, height: u32) -> Option<Snapshot> {
        let video = self.current.as_mut()?;
        let held = video.held.get_or_insert_with(|| {
            let name = video.path.file_name().unwrap_or_default().to_string_lossy();
            self.holding
                .start((width, height), &self.settings.folder, &name)
        });
        if held.size() != (width, height) {
            let err = Error::FrameSize {
                path: video.path.clone(),
                expected: held.size(),
                got: (width, height),
            };
            self.stop_recording();
            self.fail(err);
            return None;
        }
        Some(self.holding.buffer())
    }

    /// A held video gets frames after all: the snapshots it held so far
    /// are drawn into its writer now; `None` (the video stopped, the error
    /// reported) when that fails.
    #[cold]
    pub(super) fn unhold(&mut self) -> Option<()> {
        let video = self.current.as_mut()?;
        let Some(held) = video.held.take() else {
            return Some(());
        };
        let (writer, _) = video.writer.as_mut()?;
        let fed = match self.replay.as_mut() {
            Some(replay) => held.replay_into(writer, replay.as_mut(), &mut self.holding),
            None => held.feed_into(writer),
        };
        if let Err(err) = fed {
            self.stop_recording();
            self.fail(err);
            return None;
        }
        Some(())
    }

    /// Whether snapshots handed to a video are held for the keep rule: a
    /// rule is set, and something draws snapshots.
    pub(super) fn holds(&self) -> bool {
        self.judge.has_rule() && self.renders_snapshots()
    }

    /// Opens the writer of the video whose final name is `path`, with the
    /// renderer unless a replay draws on this thread.
    pub(super) fn open_writer(
        &mut self,
        path: &Path,
        spec: VideoSpec,
    ) -> Result<(VideoWriter, WorkingFile)> {
        let renderer = match self.replay {
            Some(_) => None,
            None => self.renderer.as_deref(),
        };
        open_writer(
            &self.settings,
            &mut self.out.observers,
            renderer,
            path,
            spec,
        )
    }

    /// Asks the keep rule about the held videos, oldest first: a dropped
    /// one's snapshots are discarded (nothing was written), a kept one is
    /// drawn and encoded (the oldest at once, the others while fewer than
    /// `parallel_videos` encode).
    pub(super) fn decide_held(&mut self) {
        let mut from = 0;
        while let Some((at, booked)) = self.finishing.next_held(from) {
            from = at + 1;
            if booked.decided.is_none() {
                let verdict = self.judge.verdict(&booked.ends);
                booked.decided = (verdict != Verdict::Wait).then_some(verdict);
            }
            let keep = match &booked.decided {
                None => continue,
                Some(verdict) => matches!(verdict, Verdict::Keep(_)),
            };
            if keep && at > 0 && !self.finishing.may_write() {
                continue;
            }
            let Some((held, booked)) = self.finishing.take_held(at) else {
                return;
            };
            from = at;
            if !keep {
                log::debug!(
                    "held video {} not kept: never drawn",
                    booked.working.display()
                );
                self.holding.discard(held);
                self.judge.drop_replaced(&booked.working, &mut self.out);
            } else if let Some((pending, booked)) = self.write_held(held, booked) {
                self.finishing.insert(at, pending, booked);
                from = at + 1;
            }
        }
    }

    /// Opens the writer of a kept held video and hands it its snapshots:
    /// drawn here by the replay, else fed on a thread of their own to the
    /// writer's renderer. `None` when the writer cannot be opened (the
    /// error reported).
    fn write_held(
        &mut self,
        held: HeldPictures,
        booked: Booked<PathBuf>,
    ) -> Option<(Pending, Booked)> {
        let (mut writer, working) = match self.open_writer(&booked.working, booked.spec) {
            Ok(opened) => opened,
            Err(err) => {
                self.holding.discard(held);
                self.fail(err);
                return None;
            }
        };
        let booked = booked.with_working(working);
        let pending = match self.replay.as_mut() {
            Some(replay) => match held.replay_into(&mut writer, replay.as_mut(), &mut self.holding)
            {
                Ok(()) => Pending::Encoding(writer.finish_in_background()),
                Err(err) => {
                    self.fail(err);
                    let _ = writer.finish();
                    Pending::Failed
                }
            },
            None => match held.feed_in_background(writer) {
                Ok(feeder) => Pending::Feeding(feeder),
                Err(err) => {
                    self.fail(err);
                    Pending::Failed
                }
            },
        };
        Some((pending, booked))
    }
}
