//! The files beside the videos of a folder: a JSON sidecar per video and
//! the folder's `index.jsonl`, written so that several writers can share a
//! folder, and read back leniently.

use super::entry::ManifestEntry;
use crate::{Error, Result};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The index of a video folder: one JSON [`ManifestEntry`] per line (blank
/// lines may occur and mean nothing).
pub const INDEX_FILE: &str = "index.jsonl";

/// The extensions a sidecar's name replaces (other names, such as a PNG
/// sequence's folder, get `.json` appended).
const VIDEO_EXTENSIONS: [&str; 6] = ["mp4", "webm", "gif", "mkv", "mov", "avi"];

/// The sidecar of the video at `video`: `<name>.json` for a video file
/// `<name>.mp4` (`.webm`, `.gif`, …), `<name>.json` beside a PNG-sequence
/// folder `<name>`.
///
/// ```
/// use std::path::Path;
/// use gymrec::catalog::sidecar_path;
/// let json = sidecar_path(Path::new("videos/rl-video-episode-0.mp4"));
/// assert_eq!(json, Path::new("videos/rl-video-episode-0.json"));
/// let json = sidecar_path(Path::new("videos/eval.v2-episode-0"));
/// assert_eq!(json, Path::new("videos/eval.v2-episode-0.json"));
/// ```
pub fn sidecar_path(video: &Path) -> PathBuf {
    let is_video_extension = video
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)));
    if is_video_extension {
        video.with_extension("json")
    } else {
        let mut name = video.as_os_str().to_owned();
        name.push(".json");
        PathBuf::from(name)
    }
}

/// Reads the sidecar of the video at `video`.
///
/// Errors with [`Error::Io`] when it cannot be read and
/// [`Error::Manifest`] when it is not a sidecar written by gymrec.
pub fn read_sidecar(video: &Path) -> Result<ManifestEntry> {
    let path = sidecar_path(video);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Manifest {
        path,
        message: format!("not a gymrec sidecar ({e}); delete it or write it again"),
        source: Box::new(e),
    })
}

/// Every entry of the folder's `index.jsonl`, in the order written
/// (empty when there is no index yet).
///
/// Lines that are not entries (a line cut short by a crash, text added by
/// hand) are skipped with a logged warning. Errors with [`Error::Io`] when
/// the index exists but cannot be read.
pub fn read_index(folder: &Path) -> Result<Vec<ManifestEntry>> {
    Ok(read_index_text(folder)?
        .map(|text| parse_index(folder, &text))
        .unwrap_or_default())
}

/// The videos the gallery shows: for each file name the last entry of the
/// index, when the file still exists in `folder`, newest first (by the time
/// they were finished).
pub fn listed_videos(folder: &Path) -> Result<Vec<ManifestEntry>> {
    Ok(listed(folder, read_index(folder)?))
}

/// The folder a video is in (`.` for a bare file name).
pub(super) fn folder_of(video: &Path) -> &Path {
    match video.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

pub(super) fn read_index_text(folder: &Path) -> Result<Option<String>> {
    let path = folder.join(INDEX_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

pub(super) fn parse_index(folder: &Path, text: &str) -> Vec<ManifestEntry> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ManifestEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(err) => log::warn!(
                "{}: line {} is not a gymrec index entry ({err}); skipped",
                folder.join(INDEX_FILE).display(),
                n + 1
            ),
        }
    }
    entries
}

/// The last entry per file name whose file exists, newest first.
pub(super) fn listed(folder: &Path, entries: Vec<ManifestEntry>) -> Vec<ManifestEntry> {
    latest(folder, entries)
        .into_iter()
        .filter(|e| folder.join(&e.file).exists())
        .collect()
}

/// The last entry per file name, whether its file exists or not, newest
/// first (by the time they were finished, then by line).
pub(super) fn latest(folder: &Path, entries: Vec<ManifestEntry>) -> Vec<ManifestEntry> {
    let mut last: HashMap<String, (usize, ManifestEntry)> = HashMap::new();
    for (line, entry) in entries.into_iter().enumerate() {
        if !is_plain_file_name(&entry.file) {
            log::warn!(
                "{}: entry {:?} is not a file name in the folder; skipped",
                folder.join(INDEX_FILE).display(),
                entry.file
            );
            continue;
        }
        last.insert(entry.file.clone(), (line, entry));
    }
    let mut videos: Vec<(usize, ManifestEntry)> = last.into_values().collect();
    videos.sort_by(|(la, a), (lb, b)| b.finished_at.cmp(&a.finished_at).then(lb.cmp(la)));
    videos.into_iter().map(|(_, e)| e).collect()
}

pub(super) fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Writes the sidecar of the video at `video`.
pub(super) fn write_sidecar(video: &Path, entry: &ManifestEntry) -> Result<()> {
    let path = sidecar_path(video);
    let mut json = serde_json::to_string_pretty(entry).map_err(|e| Error::Manifest {
        path: path.clone(),
        message: format!("cannot encode the sidecar: {e}"),
        source: Box::new(e),
    })?;
    json.push('\n');
    write_atomically(&path, json.as_bytes())
}

/// Appends `entry` as one line to the folder's index, in one `write` call
/// on a file opened with `O_APPEND`: the kernel places each such write at
/// the end as a whole, so concurrent writers never interleave lines; under
/// a shared lock, so that a rewrite removing lines loses none of them
/// (see `index_lock`).
pub(super) fn append_index(folder: &Path, entry: &ManifestEntry) -> Result<()> {
    let path = folder.join(INDEX_FILE);
    let mut line = serde_json::to_string(entry).map_err(|e| Error::Manifest {
        path: path.clone(),
        message: format!("cannot encode the index line: {e}"),
        source: Box::new(e),
    })?;
    line.push('\n');
    let mut file = super::index_lock::open_for_append(&path)?;
    if !ends_with_newline(&mut file).map_err(|e| Error::io(&path, e))? {
        // A line cut short by a crash: start ours on a line of its own. (A
        // read racing another writer's append can see half its line too;
        // then this only adds a blank line, which readers skip.)
        line.insert(0, '\n');
    }
    let written = loop {
        match file.write(line.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => break other.map_err(|e| Error::io(&path, e))?,
        }
    };
    if written != line.len() {
        // A second write could land after another writer's line; report the
        // cut line instead (readers skip it).
        return Err(Error::io(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!(
                    "only {written} of {} bytes of the line for {} were appended (is the disk full?)",
                    line.len(),
                    entry.file
                ),
            ),
        ));
    }
    Ok(())
}

/// Rewrites the folder's index without the lines of the video `file`
/// (lines that are not entries are kept as they are), under the index's
/// exclusive lock, so that no line appended meanwhile is lost. Nothing to
/// do without an index.
pub(super) fn remove_from_index(folder: &Path, file: &str) -> Result<()> {
    use std::io::Read;
    let path = folder.join(INDEX_FILE);
    let Some(mut index) = super::index_lock::open_exclusive(&path)? else {
        return Ok(());
    };
    let mut bytes = Vec::new();
    index
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut kept = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let names_it = serde_json::from_str::<ManifestEntry>(line.trim_end())
            .is_ok_and(|entry| entry.file == file);
        if !names_it {
            kept.push_str(line);
        }
    }
    if kept.len() != text.len() {
        write_atomically(&path, kept.as_bytes())?;
    }
    // The lock goes with `index`, after the rename.
    drop(index);
    Ok(())
}

/// Whether `file` is empty or ends with a newline.
fn ends_with_newline(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    let mut last = [0u8];
    file.seek(SeekFrom::End(-1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so readers see the old file or the new one, never a part.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = std::fs::write(&tmp, bytes)
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_file_names_only() {
        assert!(is_plain_file_name("rl-video-episode-0.mp4"));
        assert!(is_plain_file_name("a b#c.mp4"));
        for bad in [
            "",
            ".",
            "..",
            "../x.mp4",
            "a/b.mp4",
            "a\\b.mp4",
            "/etc/passwd",
        ] {
            assert!(!is_plain_file_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn folder_of_a_bare_name_is_the_current_folder() {
        assert_eq!(folder_of(Path::new("x.mp4")), Path::new("."));
        assert_eq!(folder_of(Path::new("v/x.mp4")), Path::new("v"));
    }
}
