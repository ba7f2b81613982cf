//! [`recover`]: partial videos left by writers that died get their final
//! names, as videos marked incomplete.
//!
//! A killed recorder's video stays under its working name
//! ([`working_path`](super::working_path)); its frames up to the last
//! fragment play. [`recover`] (run by every new [`Recorder`](super::Recorder)
//! on its folder and by `gymrec recover DIR`) finds such files, leaves
//! alone those a live writer still holds locked and those with no frame
//! that decodes (warning about the latter), and renames the others to their
//! final names, or, when a name is taken, to the first free `name~N.ext`:
//! nothing is deleted or overwritten.

use super::finishing::bytes_on_disk;
use super::video::{RecordedVideo, VideoStart};
use super::working::{final_path_of, free_name, lock_if_dead};
use crate::video::{VideoFacts, VideoFormat, VideoProbe};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// What [`RecordedVideo::trigger`] says of a recovered video: the trigger
/// that started it is not known.
pub const RECOVERED_TRIGGER: &str = "unknown";

/// Gives every partial video in `folder` whose writer died its final name
/// (or, when that is taken, the first free `name~N.ext`) and returns them,
/// oldest name first, as [`RecordedVideo`]s marked
/// [`incomplete`](RecordedVideo::incomplete), with the frames they hold
/// (decoded and counted), what started them (read off the name) and no
/// episodes (not known); the trigger is [`RECOVERED_TRIGGER`]. Working files
/// a live writer holds are left alone, and so, with a warning, are those
/// holding no frame that decodes (nothing is deleted).
///
/// Only names gymrec writes are looked at: `…-episode-N.mp4.part`,
/// `…-step-N.webm.part`, `….gif.part` and PNG-sequence folders
/// `…-episode-N.part/`. Errors with [`Error::Io`] when `folder` cannot be
/// read; a file that cannot be renamed is warned about and left.
pub fn recover(folder: &Path) -> Result<Vec<RecordedVideo>> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    let mut partials: Vec<(PathBuf, VideoStart)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|path| partial_start(&path).map(|start| (path, start)))
        .collect();
    partials.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(partials
        .into_iter()
        .filter_map(|(path, start)| recover_one(&path, start))
        .collect())
}

/// What started the partial video at `path`, when it is a working file of
/// a name gymrec writes.
fn partial_start(path: &Path) -> Option<VideoStart> {
    let final_path = final_path_of(path)?;
    let name = final_path.file_name()?.to_str()?;
    let stem = if path.is_dir() {
        name
    } else {
        let (stem, ext) = name.rsplit_once('.')?;
        VideoFormat::ALL
            .iter()
            .any(|f| f.extension() == Some(ext))
            .then_some(stem)?
    };
    let id = |tail: &str| tail.parse::<u64>().ok();
    // Stable-Baselines3's step names, `…-step-S-to-step-E`, start at S.
    let stem = match stem.rsplit_once("-to-step-") {
        Some((start, end)) if id(end).is_some() => start,
        _ => stem,
    };
    let (head, tail) = stem.rsplit_once('-')?;
    let tail = (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail)?;
    if head.ends_with("-episode") {
        id(tail).map(VideoStart::Episode)
    } else if head.ends_with("-step") {
        id(tail).map(VideoStart::Step)
    } else {
        None
    }
}

/// Recovers the working file at `path` when its writer died and it holds
/// frames; `None` (logged) otherwise.
fn recover_one(path: &Path, started_by: VideoStart) -> Option<RecordedVideo> {
    let _lock = match lock_if_dead(path) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            log::debug!("{}: its writer is live; left to it", path.display());
            return None;
        }
        Err(err) => {
            log::warn!(
                "{}: cannot tell whether its writer lives: {err}",
                path.display()
            );
            return None;
        }
    };
    let probe = match crate::video::probe::probe(path) {
        Ok(probe) if probe.frames > 0 => probe,
        Ok(_) | Err(_) => {
            log::warn!(
                "{} was left by a recorder that died and holds no frame that decodes; left \
                 as it is (delete it if it is of no use)",
                path.display()
            );
            return None;
        }
    };
    let finished_at = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let target = free_name(&final_path_of(path)?);
    if let Err(err) = std::fs::rename(path, &target) {
        log::warn!(
            "{}: cannot give it its final name {}: {err}; left as it is",
            path.display(),
            target.display()
        );
        return None;
    }
    log::warn!(
        "{} was left by a recorder that died: recovered as {}, {} frames, marked incomplete",
        path.display(),
        target.display(),
        probe.frames
    );
    Some(recovered(target, probe, started_by, finished_at))
}

/// The [`RecordedVideo`] of a recovered file at `path` holding `probe`.
fn recovered(
    path: PathBuf,
    probe: VideoProbe,
    started_by: VideoStart,
    finished_at: SystemTime,
) -> RecordedVideo {
    let fps = probe.fps.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    let duration_secs = probe.frames as f64 / f64::from(fps);
    let bytes = bytes_on_disk(&path);
    RecordedVideo {
        facts: VideoFacts {
            path,
            frames: probe.frames,
            fps,
            duration_secs,
            width: probe.width,
            height: probe.height,
            encoded_width: probe.width,
            encoded_height: probe.height,
            codec: probe.codec,
            pixel_format: probe.pixel_format,
            bytes,
        },
        env_id: None,
        trigger: RECOVERED_TRIGGER.to_string(),
        started_by,
        episodes: Vec::new(),
        steps: None,
        started_at: finished_at
            .checked_sub(Duration::from_secs_f64(duration_secs))
            .unwrap_or(finished_at),
        finished_at,
        incomplete: true,
        outcome: None,
        recorded_as: None,
    }
}

#[cfg(test)]
mod tests {
    use super::partial_start;
    use crate::record::VideoStart;
    use std::path::Path;

    #[test]
    fn only_gymrec_working_names_are_partials() {
        let start = |name: &str| partial_start(Path::new(name));
        assert_eq!(
            start("d/rl-video-episode-3.mp4.part"),
            Some(VideoStart::Episode(3))
        );
        assert_eq!(
            start("d/x-w12-step-40.webm.part"),
            Some(VideoStart::Step(40))
        );
        assert_eq!(
            start("d/x-episode-1.gif.part"),
            Some(VideoStart::Episode(1))
        );
        assert_eq!(
            start("d/agent-step-65-to-step-75.mp4.part"),
            Some(VideoStart::Step(65))
        );
        assert_eq!(
            start("d/-step-0-to-step-60.mp4.part"),
            Some(VideoStart::Step(0))
        );
        assert_eq!(start("d/rl-video-episode-3.mp4"), None);
        assert_eq!(start("d/download.mp4.part"), None);
        assert_eq!(start("d/x-episode-1.avi.part"), None);
        assert_eq!(start("d/x-episode-.mp4.part"), None);
        // A PNG sequence is a folder; a file without an extension is not one.
        assert_eq!(start("d/x-episode-2.part"), None);
    }
}
