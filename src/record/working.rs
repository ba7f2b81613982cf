//! Working names: a video is written under a name no `*.mp4`, `*.webm` or
//! `*.gif` glob matches, its final name plus [`WORKING_SUFFIX`]
//! (`rl-video-episode-3.mp4.part`; for a PNG sequence the folder
//! `rl-video-episode-3.part/`), and renamed to its final name once it is
//! complete, before anything (a sidecar, an index line, an observer, the
//! report) names it. So a tool that globs the folder for videos and uploads
//! what it finds never takes a file that is still growing.
//!
//! While it is written the working file is locked (`flock`, on the file or
//! folder itself; the lock goes with its process), so that recovery
//! ([`recover`](super::recover)) tells a partial file whose writer died from
//! one a live recorder is still writing.

use crate::video::VideoFormat;
use crate::{Error, Result};
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

/// What a working name adds to the final one: `.part`.
pub const WORKING_SUFFIX: &str = ".part";

/// The working name of the video (file or PNG-sequence folder) whose final
/// name is `final_path`: `final_path` + [`WORKING_SUFFIX`].
///
/// ```
/// use std::path::Path;
/// use gymrec::record::working_path;
/// let working = working_path(Path::new("videos/rl-video-episode-3.mp4"));
/// assert_eq!(working, Path::new("videos/rl-video-episode-3.mp4.part"));
/// ```
pub fn working_path(final_path: &Path) -> PathBuf {
    let mut name = OsString::from(final_path.as_os_str());
    name.push(WORKING_SUFFIX);
    PathBuf::from(name)
}

/// The final name of a working path (`None` when `working` has no
/// [`WORKING_SUFFIX`]).
pub(super) fn final_path_of(working: &Path) -> Option<PathBuf> {
    let name = working.file_name()?.to_str()?;
    let base = name.strip_suffix(WORKING_SUFFIX)?;
    (!base.is_empty()).then(|| working.with_file_name(base))
}

/// A video's working file (or folder), created and locked by the recorder
/// writing it; [`publish`](Self::publish) gives it its final name.
#[derive(Debug)]
pub(super) struct WorkingFile {
    final_path: PathBuf,
    working: PathBuf,
    /// Holds the lock; closing it releases the lock.
    _lock: File,
}

impl WorkingFile {
    /// Creates the working file of the video whose final name is
    /// `final_path` (a folder for a PNG sequence) and locks it, before the
    /// writer opens it. A working file already there (a live recorder's, or
    /// one left by a recorder that died) is [`Error::AlreadyExists`].
    pub(super) fn create(final_path: &Path, format: VideoFormat) -> Result<WorkingFile> {
        let working = working_path(final_path);
        let made = if format == VideoFormat::Png {
            std::fs::create_dir(&working).and_then(|()| File::open(&working))
        } else {
            File::options().write(true).create_new(true).open(&working)
        };
        let lock = made.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::AlreadyExists {
                path: working.clone(),
                advice: "another live recorder is writing a video of this name, or one that \
                         died left it: `gymrec recover` on the folder gives a dead one's video \
                         its final name; choose another name_prefix or worker"
                    .into(),
            },
            _ => Error::io(&working, e),
        })?;
        // Advisory on Unix; elsewhere a lock would keep the writer out.
        #[cfg(unix)]
        if let Err(err) = fs4::FileExt::try_lock(&lock) {
            // Then it looks like a dead writer's, but recovery leaves a
            // file without decodable frames alone; the video is written.
            log::debug!("cannot lock {}: {err}", working.display());
        }
        Ok(WorkingFile {
            final_path: final_path.to_path_buf(),
            working,
            _lock: lock,
        })
    }

    /// The path the writer writes.
    pub(super) fn path(&self) -> &Path {
        &self.working
    }

    /// The video's final name.
    pub(super) fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Gives the complete video its final name (it stays locked until this
    /// is dropped): with
    /// `replace`, a video of that name is replaced (a PNG sequence's folder
    /// removed first); without, a taken name gives the first free one of
    /// [`free_name`]. Returns the name given.
    ///
    /// `final_path` is the name it was created for, or another (an
    /// outcome added to it).
    pub(super) fn publish(&self, final_path: &Path, replace: bool) -> Result<PathBuf> {
        if replace && self.working.is_dir() && final_path.is_dir() {
            return self.replace_folder(final_path);
        }
        let target = if replace {
            final_path.to_path_buf()
        } else {
            free_name(final_path)
        };
        std::fs::rename(&self.working, &target).map_err(|e| Error::io(&target, e))?;
        stamp_published(&target);
        Ok(target)
    }

    /// Replaces the PNG-sequence folder of the final name by the working
    /// one: the old folder is moved aside, the new one takes its name, and
    /// the old one's files that are not frames (a user's notes) move into
    /// it before the old frames are removed.
    fn replace_folder(&self, final_path: &Path) -> Result<PathBuf> {
        let old = free_name(&final_path.with_file_name(format!(
            "{}.replaced",
            final_path.file_name().unwrap_or_default().to_string_lossy()
        )));
        std::fs::rename(final_path, &old).map_err(io(&old))?;
        std::fs::rename(&self.working, final_path).map_err(io(final_path))?;
        for entry in std::fs::read_dir(&old).map_err(io(&old))?.flatten() {
            let name = entry.file_name();
            let moved = final_path.join(&name);
            let frame = name.to_str().is_some_and(|n| {
                let n = n.strip_suffix(WORKING_SUFFIX).unwrap_or(n);
                n.starts_with("frame-") && n.ends_with(".png")
            });
            if !frame && !moved.exists() {
                std::fs::rename(entry.path(), &moved).map_err(io(&moved))?;
            }
        }
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
        stamp_published(final_path);
        Ok(final_path.to_path_buf())
    }

    /// Removes the working file of a video whose writer could not be
    /// opened: nothing was written into it.
    pub(super) fn discard(self) {
        let removed = if self.working.is_dir() {
            std::fs::remove_dir_all(&self.working)
        } else {
            std::fs::remove_file(&self.working)
        };
        if let Err(err) = removed {
            log::debug!("cannot remove {}: {err}", self.working.display());
        }
    }
}

/// An [`Error::Io`] maker for `path`, for `map_err`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// `path` when nothing is there, else the first of `stem~1.ext`,
/// `stem~2.ext`, … (for a folder, `name~1`, …) that is free, so that
/// nothing is overwritten.
pub(super) fn free_name(path: &Path) -> PathBuf {
    if std::fs::symlink_metadata(path).is_err() {
        return path.to_path_buf();
    }
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !path.is_dir() && !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name.as_ref(), String::new()),
    };
    (1u64..)
        .map(|n| path.with_file_name(format!("{stem}~{n}{ext}")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .unwrap_or_else(|| path.to_path_buf())
}

/// The lock of the working file at `path` when its writer died (held
/// while the returned file is open); `None` while a live writer (in this
/// process or another) holds it.
pub(super) fn lock_if_dead(path: &Path) -> std::io::Result<Option<File>> {
    let file = File::open(path)?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(Some(file)),
        Err(fs4::TryLockError::WouldBlock) => Ok(None),
        Err(fs4::TryLockError::Error(err)) => Err(err),
    }
}

/// Sets a just-published video's modification time to now. Videos are
/// published in the order they started, but encode in parallel, so an
/// earlier video's file may be written last; retention removes the oldest
/// by modification time, which must therefore be the publication's.
fn stamp_published(path: &Path) {
    let stamped = File::open(path).and_then(|file| file.set_modified(std::time::SystemTime::now()));
    if let Err(err) = stamped {
        log::warn!(
            "{}: its modification time could not be set ({err}); retention may take it for \
             older or newer than it is",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{final_path_of, working_path};
    use std::path::Path;

    #[test]
    fn working_names_round_trip() {
        for name in [
            "a/rl-video-episode-3.mp4",
            "a/x-step-9",
            "eval.v2-episode-0.gif",
        ] {
            let working = working_path(Path::new(name));
            assert!(working.to_str().unwrap().ends_with(".part"));
            assert_eq!(final_path_of(&working).unwrap(), Path::new(name));
        }
        assert_eq!(final_path_of(Path::new("a/b.mp4")), None);
        assert_eq!(final_path_of(Path::new("a/.part")), None);
    }
}
