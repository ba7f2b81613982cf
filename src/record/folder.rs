//! The video folder's rules: preparing it, the names videos get in it,
//! which files in it are videos of a prefix, and the marks of the live
//! recorders writing it.
//!
//! **Many recorders, one folder.** Every recorder holds a lock file for its
//! folder while it lives (`<pid>-<n>.lock` in
//! `$TMPDIR/gymrec-live/<hash of the folder's canonical path>/`, so that
//! nothing is added to the video folder; locked with `flock`, removed when
//! the recorder is dropped; a crashed process's lock goes with it and its
//! file is removed by the next recorder that looks). Recorders on other
//! machines, or with another temporary folder, are not seen. As a video starts, a recorder whose folder another live recorder
//! (another thread or process) is writing names it with a worker part,
//! `{prefix}-w{worker}-episode-{id}` (`-step-` likewise), and says so once
//! in a warning, so that no recorder overwrites a sibling's video of the
//! same name; alone, it names it as Gymnasium does and, with `overwrite`,
//! the later video of a name wins. The worker part is
//! [`RecordingConfig::worker`](super::RecordingConfig::worker) when set
//! (then always used), else the process id (`w12345`; `w12345-2` for the
//! third recorder of the process, counted afresh in a child made by
//! `fork()`).

use super::video::VideoStart;
use crate::video::VideoFormat;
use crate::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `folder` when missing and checks that files can be created in
/// it; a `folder` that is a file is [`Error::AlreadyExists`].
pub(super) fn prepare_folder(folder: &Path) -> Result<()> {
    if folder.is_file() {
        return Err(Error::AlreadyExists {
            path: folder.to_path_buf(),
            advice: "it is a file, not a folder, so videos cannot be written into it; \
                     choose another video folder, or move the file away"
                .into(),
        });
    }
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    // Unique per call, so that wrappers made at once in one process (or
    // several) never remove each other's check file.
    static CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = folder.join(format!(".gymrec-write-check-{}-{n}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| Error::io(folder, e))?;
    std::fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(())
}

/// Errors when `folder` already holds a video this prefix would write.
pub(super) fn refuse_existing(folder: &Path, prefix: &str, format: VideoFormat) -> Result<()> {
    match existing_video(folder, prefix, format)? {
        None => Ok(()),
        Some(existing) => Err(Error::AlreadyExists {
            path: existing,
            advice: "choose another folder or name_prefix, or set overwrite(true) to replace it"
                .into(),
        }),
    }
}

/// The first file in `folder` named like a video this prefix would write in
/// `format`; `None` in a folder that does not exist.
pub(super) fn existing_video(
    folder: &Path,
    prefix: &str,
    format: VideoFormat,
) -> Result<Option<PathBuf>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(folder, e)),
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| is_video_name(n, prefix, format))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

/// Whether `file` is `{prefix}-episode-{N}.mp4`, `{prefix}-step-{N}.mp4` or
/// `{prefix}-step-{N}-to-step-{M}.mp4` (with `format`'s extension; none for
/// a PNG-sequence folder), with an outcome `-{outcome}` at the end or not,
/// or such a name's working name (`….mp4.part`: being written, or left by a
/// recorder that died). Names with a worker part are other recorders'.
pub(super) fn is_video_name(file: &str, prefix: &str, format: VideoFormat) -> bool {
    matches_video_name(file, prefix, format, false)
}

/// [`is_video_name`], also with a worker part `-w{W}` after the prefix when
/// `any_worker`.
fn matches_video_name(file: &str, prefix: &str, format: VideoFormat, any_worker: bool) -> bool {
    let file = file.strip_suffix(super::WORKING_SUFFIX).unwrap_or(file);
    let stem = match format.extension() {
        Some(ext) => file.strip_suffix(ext).and_then(|r| r.strip_suffix('.')),
        None => Some(file),
    };
    let Some(rest) = stem.and_then(|r| r.strip_prefix(prefix)) else {
        return false;
    };
    let rest = if any_worker { strip_worker(rest) } else { rest };
    let Some((kind, rest)) = rest
        .strip_prefix("-episode-")
        .map(|r| ("episode", r))
        .or_else(|| rest.strip_prefix("-step-").map(|r| ("step", r)))
    else {
        return false;
    };
    let Some(rest) = strip_number(rest) else {
        return false;
    };
    let rest = match (kind, rest.strip_prefix("-to-step-")) {
        ("step", Some(end)) => match strip_number(end) {
            Some(rest) => rest,
            None => return false,
        },
        _ => rest,
    };
    rest.is_empty()
        || rest
            .strip_prefix('-')
            .is_some_and(super::keep::is_valid_suffix)
}

/// `rest` without a leading worker part `-w{digits}[-{digits}]`, when it
/// has one followed by `-episode-`/`-step-`.
fn strip_worker(rest: &str) -> &str {
    let Some(after) = rest.strip_prefix("-w") else {
        return rest;
    };
    let Some(after) = strip_number(after) else {
        return rest;
    };
    let after = after
        .strip_prefix('-')
        .and_then(strip_number)
        .filter(|a| a.starts_with('-'))
        .unwrap_or(after);
    if after.starts_with("-episode-") || after.starts_with("-step-") {
        after
    } else {
        rest
    }
}

/// `s` after its leading ASCII digits (at least one).
fn strip_number(s: &str) -> Option<&str> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &s[digits..])
}

/// The finished videos (not working names) of `prefix` in `folder`, any
/// worker's, any outcome's.
pub(super) fn finished_videos(folder: &Path, prefix: &str, format: VideoFormat) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                !n.ends_with(super::WORKING_SUFFIX) && matches_video_name(n, prefix, format, true)
            })
        })
        .collect()
}

/// The name of a video: `{prefix}-episode-{id}` or `{prefix}-step-{id}`
/// (`{prefix}-step-{id}-to-step-{end}` when the step video's `end` is
/// given, Stable-Baselines3's name), with `-w{worker}` after the prefix
/// when a worker part is given.
pub(super) fn video_name(
    prefix: &str,
    worker: Option<&str>,
    started_by: VideoStart,
    end: Option<u64>,
) -> String {
    let worker = worker.map_or_else(String::new, |w| format!("-w{w}"));
    match (started_by, end) {
        (VideoStart::Episode(id), _) => format!("{prefix}{worker}-episode-{id}"),
        (VideoStart::Step(id), None) => format!("{prefix}{worker}-step-{id}"),
        (VideoStart::Step(id), Some(end)) => format!("{prefix}{worker}-step-{id}-to-step-{end}"),
    }
}

/// The end of a live recorder's lock file name.
const LIVE_SUFFIX: &str = ".lock";

/// The folder of the lock files of the recorders writing `folder`:
/// `$TMPDIR/gymrec-live/<FNV-1a of its canonical path>` (a hash every
/// build computes alike), created when missing.
fn live_dir(folder: &Path) -> Result<PathBuf> {
    let canonical = std::fs::canonicalize(folder).map_err(|e| Error::io(folder, e))?;
    let hash = canonical
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let root = std::env::temp_dir().join("gymrec-live");
    if !root.exists() {
        std::fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        // Shared by every user's recorders, as /tmp is.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777));
        }
    }
    let dir = root.join(format!("{hash:016x}"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// A recorder's mark in its folder: a lock file held while the recorder
/// lives, removed when it is dropped (see the [module docs](self)).
#[derive(Debug)]
pub(super) struct LiveMark {
    path: PathBuf,
    /// Holds the lock; closing it releases the lock.
    _file: File,
    /// The worker part of this recorder's names when siblings are live.
    worker: String,
}

impl LiveMark {
    /// Marks `folder` as written by a new recorder of this process. The
    /// file is locked under a name no recorder looks for, then renamed, so
    /// that no sibling ever sees it unlocked and takes it for a dead one's.
    pub(super) fn new(folder: &Path) -> Result<LiveMark> {
        let pid = std::process::id();
        let n = recorder_number(pid);
        let name = format!("{pid}-{n}");
        let dir = live_dir(folder)?;
        let starting = dir.join(format!("{name}.starting"));
        let file = File::create(&starting).map_err(|e| Error::io(&starting, e))?;
        fs4::FileExt::lock(&file).map_err(|e| Error::io(&starting, e))?;
        let path = dir.join(format!("{name}{LIVE_SUFFIX}"));
        std::fs::rename(&starting, &path).map_err(|e| Error::io(&path, e))?;
        let worker = if n == 0 { pid.to_string() } else { name };
        Ok(LiveMark {
            path,
            _file: file,
            worker,
        })
    }

    /// The worker part of this recorder's names when siblings are live:
    /// the process id, with the recorder's number in the process after the
    /// first.
    pub(super) fn worker(&self) -> &str {
        &self.worker
    }

    /// Whether another live recorder (another thread or process) holds a
    /// mark for the folder; the marks of dead ones are removed.
    pub(super) fn siblings_live(&self) -> bool {
        let Some(folder) = self.path.parent() else {
            return false;
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            return false;
        };
        let mut live = false;
        for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            if path != self.path && is_live_mark(&path) {
                live |= mark_is_held(&path);
            }
        }
        live
    }
}

/// The number of this process's next recorder, from 0: counted afresh in a
/// child made by `fork()`, which inherits its parent's count (the process
/// id is kept beside the count, in one atomic, so that no lock is needed,
/// which a fork could leave held).
fn recorder_number(pid: u32) -> u32 {
    static RECORDERS: AtomicU64 = AtomicU64::new(0);
    let mut seen = RECORDERS.load(Ordering::Relaxed);
    loop {
        let (n, next) = count_in(seen, pid);
        match RECORDERS.compare_exchange_weak(seen, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return n,
            Err(now) => seen = now,
        }
    }
}

/// The number `pid`'s next recorder gets and the count that follows, from
/// the count `seen` (a process id in the high half, how many recorders it
/// made in the low one).
fn count_in(seen: u64, pid: u32) -> (u32, u64) {
    let n = if (seen >> 32) as u32 == pid {
        seen as u32
    } else {
        0
    };
    (n, (u64::from(pid) << 32) | u64::from(n.wrapping_add(1)))
}

impl Drop for LiveMark {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            log::debug!("cannot remove {}: {err}", self.path.display());
        }
    }
}

/// Whether `path` is named like a live recorder's lock file (not one being
/// made).
fn is_live_mark(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(LIVE_SUFFIX))
}

/// Whether the lock file at `path` is held by a live recorder; one that is
/// not (its recorder's process died) is removed.
fn mark_is_held(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false; // removed meanwhile: its recorder ended
    };
    match fs4::FileExt::try_lock(&file) {
        Err(fs4::TryLockError::WouldBlock) => true,
        Err(fs4::TryLockError::Error(err)) => {
            log::debug!("cannot test the lock of {}: {err}", path.display());
            false
        }
        Ok(()) => {
            log::debug!("{}: its recorder is gone; removed", path.display());
            let _ = std::fs::remove_file(path);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{count_in, is_video_name};

    #[test]
    fn recorders_are_numbered_afresh_in_a_forked_child() {
        let (first, seen) = count_in(0, 7);
        assert_eq!(first, 0);
        let (second, seen) = count_in(seen, 7);
        assert_eq!(second, 1);
        // A child (process 8) inherits the count of its parent (7): its
        // first recorder is its 0th, named by the process id alone.
        let (childs, seen) = count_in(seen, 8);
        assert_eq!(childs, 0);
        assert_eq!(count_in(seen, 8).0, 1);
    }
    use crate::video::VideoFormat;

    #[test]
    fn video_names_are_recognised_exactly() {
        let is_mp4 = |name| is_video_name(name, "rl-video", VideoFormat::Mp4);
        assert!(is_mp4("rl-video-episode-0.mp4"));
        assert!(is_mp4("rl-video-step-120.mp4"));
        assert!(!is_mp4("rl-video-episode-.mp4"));
        assert!(!is_mp4("rl-video-episode-1.json"));
        assert!(!is_mp4("other-episode-1.mp4"));
        assert!(!is_mp4("rl-video-episode-1x.mp4"));
        assert!(!is_mp4("rl-video-episode-1.gif"));
        let is = |name, format| is_video_name(name, "rl-video", format);
        assert!(is("rl-video-episode-1.gif", VideoFormat::Gif));
        assert!(is("rl-video-step-9.webm", VideoFormat::WebM));
        assert!(is_mp4("rl-video-step-65-to-step-75.mp4"));
        assert!(!is_mp4("rl-video-step-65-to-step-.mp4"));
        assert!(!is_mp4("rl-video-step--to-step-75.mp4"));
        assert!(!is_mp4("rl-video-step-65-to-75.mp4"));
        let is_png = |name| is_video_name(name, "rl-video", VideoFormat::Png);
        assert!(is_png("rl-video-episode-3"));
        assert!(!is_png("rl-video-episode-3.mp4"));
        assert!(!is_png("rl-video-episode-3.json"));
        assert!(is_mp4("rl-video-episode-3.mp4.part"));
        assert!(is_png("rl-video-episode-3.part"));
        assert!(!is_mp4("rl-video-episode-3.part"));
        // Outcomes at the end.
        assert!(is_mp4("rl-video-episode-7-failure.mp4"));
        assert!(is_mp4("rl-video-step-65-to-step-75-best.mp4"));
        assert!(is_png("rl-video-episode-3-success"));
        assert!(!is_mp4("rl-video-episode-7-.mp4"));
        assert!(!is_mp4("rl-video-episode-7-a-b.mp4"));
        assert!(!is_mp4("rl-video-w3-episode-7.mp4"));
        let any = |name| super::matches_video_name(name, "rl-video", VideoFormat::Mp4, true);
        assert!(any("rl-video-w3-episode-7-failure.mp4"));
        assert!(any("rl-video-w12-2-step-5.mp4"));
        assert!(any("rl-video-episode-7.mp4"));
        assert!(!any("rl-video-wx-episode-7.mp4"));
    }
}
