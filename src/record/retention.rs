//! Retention: a folder keeps at most so many finished videos of a prefix,
//! or so many bytes of them ([`RecordingConfig::keep_last`](super::RecordingConfig::keep_last),
//! [`max_bytes`](super::RecordingConfig::max_bytes)); the oldest go first.
//!
//! The folder is read afresh each time, so recorders in other threads and
//! processes writing the same folder are counted alike; a video two of them
//! remove at once is removed once (the other finds it gone and says
//! nothing of it).

use super::config::Retention;
use super::finishing::bytes_on_disk;
use super::folder::finished_videos;
use crate::video::VideoFormat;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Removes the oldest finished videos of `prefix` in `folder` beyond
/// `retention` (never `newest`), oldest first, and returns those it
/// removed; a video that cannot be removed is an error in `errors`.
pub(super) fn enforce(
    folder: &Path,
    prefix: &str,
    format: VideoFormat,
    retention: Retention,
    newest: &Path,
    errors: &mut Vec<Error>,
) -> Vec<PathBuf> {
    if retention == Retention::default() {
        return Vec::new();
    }
    let mut videos: Vec<(SystemTime, PathBuf, u64)> = finished_videos(folder, prefix, format)
        .into_iter()
        .map(|path| {
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            let bytes = bytes_on_disk(&path);
            (modified, path, bytes)
        })
        .collect();
    // Newest first: the newest are the ones kept.
    videos.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    if let Some(at) = videos.iter().position(|v| v.1 == newest) {
        let it = videos.remove(at);
        videos.insert(0, it);
    }
    let mut kept = 0usize;
    let mut bytes = 0u64;
    let mut removed = Vec::new();
    let mut cutting = false;
    for (i, (_, path, size)) in videos.into_iter().enumerate() {
        let over_count = retention.last.is_some_and(|n| kept >= n);
        let over_bytes = retention.bytes.is_some_and(|b| bytes + size > b);
        // Once one goes, every older one goes too.
        cutting |= i > 0 && (over_count || over_bytes);
        if !cutting {
            kept += 1;
            bytes += size;
            continue;
        }
        match remove_video(&path) {
            Ok(true) => removed.push(path),
            Ok(false) => {}
            Err(err) => errors.push(err),
        }
    }
    // Oldest first.
    removed.reverse();
    removed
}

/// Removes a video file or PNG-sequence folder; `false` when it was gone.
fn remove_video(path: &Path) -> Result<bool> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match removed {
        Ok(()) => {
            log::debug!("{}: removed by retention", path.display());
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}
