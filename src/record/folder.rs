//! The video folder's rules: preparing it, the names videos get in it,
//! and which files in it are videos of a prefix.

use crate::video::VideoFormat;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Creates `folder` when missing and checks that files can be created in it.
pub(super) fn prepare_folder(folder: &Path) -> Result<()> {
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
/// `format`.
fn existing_video(folder: &Path, prefix: &str, format: VideoFormat) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
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

/// Whether `file` is `{prefix}-episode-{N}.mp4` or `{prefix}-step-{N}.mp4`
/// (with `format`'s extension; none for a PNG-sequence folder).
fn is_video_name(file: &str, prefix: &str, format: VideoFormat) -> bool {
    let stem = match format.extension() {
        Some(ext) => file.strip_suffix(ext).and_then(|r| r.strip_suffix('.')),
        None => Some(file),
    };
    let Some(rest) = stem.and_then(|r| r.strip_prefix(prefix)) else {
        return false;
    };
    let id = rest
        .strip_prefix("-episode-")
        .or_else(|| rest.strip_prefix("-step-"));
    id.is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_video_name;
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
        let is_png = |name| is_video_name(name, "rl-video", VideoFormat::Png);
        assert!(is_png("rl-video-episode-3"));
        assert!(!is_png("rl-video-episode-3.mp4"));
        assert!(!is_png("rl-video-episode-3.json"));
    }
}
