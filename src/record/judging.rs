//! Judging finished videos at episode end: the keep rule's verdicts
//! ([`RecordingConfig::keep`](super::RecordingConfig::keep)), in start
//! order; kept videos get their final names (with their outcome) and are
//! reported, the others are deleted; retention runs after each kept video.

use super::config::{NameSuffix, Retention};
use super::finishing::Booked;
use super::keep::{EpisodeEnd, Keep, Verdict, is_valid_suffix};
use super::report::Outlet;
use super::video::RecordedVideo;
use crate::Error;
use crate::video::VideoFormat;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// What a recorder's judging needs of its configuration.
pub(super) struct JudgeConfig {
    pub(super) keep: Option<Keep>,
    pub(super) name_suffix: Option<NameSuffix>,
    pub(super) outcome_in_name: bool,
    pub(super) retention: Retention,
    pub(super) folder: PathBuf,
    pub(super) name_prefix: String,
    pub(super) format: VideoFormat,
    pub(super) overwrite: bool,
}

/// The keep rule, the naming of kept videos and retention, with the
/// videos done encoding that wait on disk for their verdict, oldest first.
pub(super) struct Judge {
    config: JudgeConfig,
    waiting: VecDeque<(RecordedVideo, Booked)>,
}

impl Judge {
    pub(super) fn new(config: JudgeConfig) -> Self {
        Judge {
            config,
            waiting: VecDeque::new(),
        }
    }

    /// Whether a keep rule is set.
    pub(super) fn has_rule(&self) -> bool {
        self.config.keep.is_some()
    }

    /// Whether episode ends are wanted (a keep rule or a name suffix).
    pub(super) fn wants_ends(&self) -> bool {
        self.config.keep.is_some() || self.config.name_suffix.is_some()
    }

    /// The keep rule hears of an episode that ended at a step.
    pub(super) fn episode_ended(&mut self, end: &EpisodeEnd) {
        if let Some(keep) = self.config.keep.as_mut() {
            keep.episode_ended(end);
        }
    }

    /// The rule's verdict on a video in which `ends` ended (kept, without
    /// a label, when there is no rule).
    pub(super) fn verdict(&mut self, ends: &[EpisodeEnd]) -> Verdict {
        match self.config.keep.as_mut() {
            Some(keep) => keep.video_verdict(ends),
            None => Verdict::Keep(None),
        }
    }

    /// A video done encoding waits for its verdict; then every video that
    /// can be is judged.
    pub(super) fn push(&mut self, video: RecordedVideo, booked: Booked, out: &mut Outlet) {
        self.waiting.push_back((video, booked));
        self.judge(out);
    }

    /// Episode `id` began: the rule's windows before its own are over, and
    /// windows older than the oldest episode any video still needs (the
    /// waiting ones', or `oldest_elsewhere`) are forgotten; then the
    /// waiting videos are judged.
    pub(super) fn episode_began(
        &mut self,
        id: u64,
        oldest_elsewhere: Option<u64>,
        out: &mut Outlet,
    ) {
        let first = |b: &Booked| b.episodes.first().map(|e| e.episode);
        let oldest = [
            self.waiting.front().and_then(|(_, b)| first(b)),
            oldest_elsewhere,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(id);
        if let Some(keep) = self.config.keep.as_mut() {
            keep.episode_began(id, oldest.min(id));
        }
        self.judge(out);
    }

    /// The report is taken: the rule's windows end.
    pub(super) fn end_windows(&mut self) {
        if let Some(keep) = self.config.keep.as_mut() {
            keep.end_windows();
        }
    }

    /// Decides the videos waiting under their working names, oldest first,
    /// up to the first the keep rule cannot decide yet (so that videos are
    /// reported in the order they started): a kept one gets its final name
    /// (with its outcome) and is reported, the others are deleted.
    pub(super) fn judge(&mut self, out: &mut Outlet) {
        while let Some((_, booked)) = self.waiting.front_mut() {
            let verdict = match (booked.decided.take(), self.config.keep.as_mut()) {
                (Some(verdict), _) => verdict,
                (None, Some(keep)) => keep.video_verdict(&booked.ends),
                (None, None) => Verdict::Keep(None),
            };
            let Some((mut video, booked)) = (verdict != Verdict::Wait)
                .then(|| self.waiting.pop_front())
                .flatten()
            else {
                return;
            };
            let Verdict::Keep(label) = verdict else {
                self.drop_video(booked, out);
                continue;
            };
            video.outcome = self.outcome_of(label, &booked.ends, out);
            let target = self.target_name(booked.working.final_path(), video.outcome.as_deref());
            video.facts.path.clone_from(&target);
            if !out.observers.iter_mut().all(|o| o.keep(&video)) {
                self.drop_video(booked, out);
                continue;
            }
            match booked.working.publish(&target, self.config.overwrite) {
                Ok(path) => video.facts.path = path,
                Err(err) => {
                    out.fail(err);
                    continue;
                }
            }
            let started_as = booked.working.final_path();
            if video.facts.path != started_as {
                video.recorded_as = Some(started_as.to_path_buf());
            }
            let path = video.facts.path.clone();
            out.report(video);
            self.enforce_retention(&path, out);
        }
    }

    /// Deletes a video not kept, under its working name; and what it
    /// replaced (see [`drop_replaced`](Self::drop_replaced)).
    fn drop_video(&mut self, booked: Booked, out: &mut Outlet) {
        let replaced = booked.working.final_path().to_path_buf();
        log::debug!("video {} not kept: removed", replaced.display());
        booked.working.discard();
        self.drop_replaced(&replaced, out);
    }

    /// With `overwrite`, a video of the name a dropped video started with
    /// goes too: it was being replaced (its observers were told the name
    /// at the start, and the catalog took its sidecar and poster away
    /// then).
    pub(super) fn drop_replaced(&mut self, replaced: &Path, out: &mut Outlet) {
        if !self.config.overwrite {
            return;
        }
        let removed = if replaced.is_dir() {
            std::fs::remove_dir_all(replaced) // a PNG sequence
        } else {
            std::fs::remove_file(replaced)
        };
        match removed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                out.fail(Error::io(replaced, e));
            }
            _ => {}
        }
    }

    /// The outcome a kept video's name carries: the user's suffix, else
    /// the keep rule's label when [`RecordingConfig::outcome_in_name`](super::RecordingConfig::outcome_in_name)
    /// is on; a suffix that cannot go into a name is reported and left out.
    fn outcome_of(
        &mut self,
        label: Option<String>,
        ends: &[EpisodeEnd],
        out: &mut Outlet,
    ) -> Option<String> {
        let outcome = match self.config.name_suffix.as_mut() {
            Some(suffix) => suffix(ends),
            None => label.filter(|_| self.config.outcome_in_name),
        }?;
        if is_valid_suffix(&outcome) {
            return Some(outcome);
        }
        out.fail(Error::InvalidNameSuffix { suffix: outcome });
        None
    }

    /// The final name of a video that started as `started_as`: with
    /// `-{outcome}` before the extension when there is one.
    fn target_name(&self, started_as: &Path, outcome: Option<&str>) -> PathBuf {
        let Some(outcome) = outcome else {
            return started_as.to_path_buf();
        };
        let format = self.config.format;
        let name = started_as
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let stem = match format.extension() {
            Some(ext) => name
                .strip_suffix(ext)
                .and_then(|s| s.strip_suffix('.'))
                .unwrap_or(&name),
            None => &name,
        };
        started_as.with_file_name(format.file_name(&format!("{stem}-{outcome}")))
    }

    /// Deletes the folder's oldest videos of this prefix beyond the
    /// retention settings (never `newest`), and tells the observers.
    fn enforce_retention(&mut self, newest: &Path, out: &mut Outlet) {
        let mut errors = Vec::new();
        let removed = super::retention::enforce(
            &self.config.folder,
            &self.config.name_prefix,
            self.config.format,
            self.config.retention,
            newest,
            &mut errors,
        );
        for path in removed {
            for observer in &mut out.observers {
                if let Err(err) = observer.video_removed(&path) {
                    errors.push(err);
                }
            }
        }
        errors.into_iter().for_each(|err| out.fail(err));
    }
}
