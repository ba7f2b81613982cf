//! What a video folder says about its videos: a JSON sidecar beside each
//! video, an `index.jsonl` with one line per finished video, and an
//! `index.html` gallery that plays them all from `file://`.
//!
//! [`Manifest`] is the [`RecordingObserver`] that writes them; add it with
//! [`RecordingConfig::gallery`](super::RecordingConfig::gallery) or
//! [`RecordingConfig::observer`](super::RecordingConfig::observer). For each
//! finished and kept video it
//!
//! 1. writes `<name>.json` beside `<name>.mp4` (a [`ManifestEntry`], pretty
//!    printed; written to a temporary file and renamed into place);
//! 2. appends the same entry as one line to `index.jsonl`, in a single
//!    `write` on a file opened for appending, so wrappers in several threads
//!    or processes sharing a folder never interleave or lose lines;
//! 3. rewrites `index.html` from the whole index (again through a temporary
//!    file and a rename, so a browser never sees half a page; a writer whose
//!    index grew meanwhile rewrites it again, so the last page is complete).
//!
//! Videos that a keep filter ([`RecordingConfig::keep_if`](super::RecordingConfig::keep_if))
//! rejects are deleted before any of this, so they never enter the index or
//! the gallery. Videos listed in the index but no longer on disk are left out
//! of the gallery.
//!
//! ```
//! use gymrec::env::{Env, RenderMode, SpaceValue};
//! use gymrec::record::manifest::{self, Manifest};
//! use gymrec::record::{RecordingConfig, Trigger};
//!
//! # fn main() -> gymrec::Result<()> {
//! let dir = std::env::temp_dir().join(format!("gymrec-doc-manifest-{}", std::process::id()));
//! let env = gymrec::make("CartPole-v1", RenderMode::RgbArray)?;
//! let mut env = RecordingConfig::new(&dir)
//!     .episode_trigger(Trigger::always())
//!     .video_length(20)
//!     .observer(Manifest::new())
//!     .overwrite(true)
//!     .wrap(env)?;
//! env.reset(Some(0))?;
//! for _ in 0..5 {
//!     env.step(SpaceValue::Discrete(1))?;
//! }
//! env.finish().into_result()?;
//!
//! let sidecar = manifest::read_sidecar(&dir.join("rl-video-episode-0.mp4"))?;
//! assert_eq!(sidecar.env_id.as_deref(), Some("CartPole-v1"));
//! assert_eq!(sidecar.frames, 6);
//! assert_eq!(sidecar.episodes[0].length, 5);
//! assert_eq!(manifest::read_index(&dir)?, [sidecar]);
//! assert!(dir.join("index.html").is_file());
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use super::gallery::{self, Media};
use super::observer::RecordingObserver;
use super::video::{EpisodeInVideo, RecordedVideo, VideoStart};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// The index of a video folder: one JSON [`ManifestEntry`] per line (blank
/// lines may occur and mean nothing).
pub const INDEX_FILE: &str = "index.jsonl";

/// The gallery page of a video folder.
pub const GALLERY_FILE: &str = "index.html";

/// The extensions a sidecar's name replaces (other names, such as a PNG
/// sequence's folder, get `.json` appended).
const VIDEO_EXTENSIONS: [&str; 6] = ["mp4", "webm", "gif", "mkv", "mov", "avi"];

/// How often [`write_gallery`] rewrites the page when the index keeps
/// growing while it writes (other writers then rewrite it themselves).
const GALLERY_ROUNDS: usize = 8;

/// Everything the sidecar and the index say about one video (a file, or
/// the folder of a PNG sequence).
///
/// It is what [`Manifest`] writes as `<name>.json` and as one line of
/// `index.jsonl`; times are RFC 3339 in UTC with milliseconds, returns that
/// are not finite numbers are written as `null` and read back as NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The video's file name, relative to its folder.
    pub file: String,
    /// The id of the env recorded, when it has one.
    pub env_id: Option<String>,
    /// The version of gymrec that wrote the video.
    pub gymrec_version: String,
    /// The kind of trigger that started the video (`cubic`, `every:N`, …).
    pub trigger: String,
    /// What started the video: `{"kind": "episode"|"step", "id": N}`.
    pub started_by: VideoStart,
    /// The episodes the video shows, in order, with their return and length
    /// up to the video's last frame.
    #[serde(deserialize_with = "lenient::episodes")]
    pub episodes: Vec<EpisodeInVideo>,
    /// The first and last steps whose frames the video holds (`None` when it
    /// holds only a reset frame).
    pub steps: Option<StepRange>,
    /// Frames in the file.
    pub frames: u64,
    /// Frames per second.
    pub fps: u32,
    /// Play time in seconds: `frames / fps`.
    pub duration_secs: f64,
    /// Width of the frames recorded.
    pub width: u32,
    /// Height of the frames recorded.
    pub height: u32,
    /// Width of the encoded picture (padded to even).
    pub encoded_width: u32,
    /// Height of the encoded picture (padded to even).
    pub encoded_height: u32,
    /// The codec's short name, e.g. `"h264"`.
    pub codec: String,
    /// The encoded pixel format, e.g. `"yuv420p"`.
    pub pixel_format: String,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Wall-clock time of the first frame, to the millisecond.
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    /// Wall-clock time the video was finalized, to the millisecond.
    #[serde(with = "rfc3339")]
    pub finished_at: SystemTime,
}

/// The ids of the first and last steps a video holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRange {
    /// The first step id.
    pub first: u64,
    /// The last step id.
    pub last: u64,
}

impl From<&RecordedVideo> for ManifestEntry {
    fn from(video: &RecordedVideo) -> Self {
        let facts = &video.facts;
        ManifestEntry {
            file: facts
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            env_id: video.env_id.clone(),
            gymrec_version: env!("CARGO_PKG_VERSION").to_string(),
            trigger: video.trigger.clone(),
            started_by: video.started_by,
            episodes: video.episodes.clone(),
            steps: video.steps.map(|(first, last)| StepRange { first, last }),
            frames: facts.frames,
            fps: facts.fps,
            duration_secs: facts.duration_secs,
            width: facts.width,
            height: facts.height,
            encoded_width: facts.encoded_width,
            encoded_height: facts.encoded_height,
            codec: facts.codec.clone(),
            pixel_format: facts.pixel_format.clone(),
            bytes: facts.bytes,
            started_at: rfc3339::to_millis(video.started_at),
            finished_at: rfc3339::to_millis(video.finished_at),
        }
    }
}

/// The [`RecordingObserver`] that writes the sidecar, the index line and the
/// gallery of every kept video (see the [module docs](self)).
///
/// It keeps no state about the folder: everything is read from and written
/// to the folder of each video, so any number of wrappers, in any number of
/// threads or processes, can share one folder (give them different name
/// prefixes so their file names differ).
///
/// When a video replaces an older one of the same name (with
/// `overwrite(true)`), the older sidecar is removed as the new video starts;
/// if the new video is then not kept, the gallery is rewritten without it at
/// the next video's start, or when the wrapper is dropped.
#[derive(Debug)]
pub struct Manifest {
    gallery: bool,
    replaced: Option<PathBuf>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

impl Manifest {
    /// Sidecars, index lines and the `index.html` gallery.
    pub fn new() -> Self {
        Manifest {
            gallery: true,
            replaced: None,
        }
    }

    /// Whether to rewrite `index.html` after each video (on by default);
    /// sidecars and index lines are written either way.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// use gymrec::record::manifest::Manifest;
    /// let config = RecordingConfig::new("videos").observer(Manifest::new().gallery(false));
    /// ```
    pub fn gallery(mut self, gallery: bool) -> Self {
        self.gallery = gallery;
        self
    }

    /// Rewrites the gallery of the folder of a video replaced by one that
    /// was not finished (not kept, or failed), so that it no longer shows it.
    fn settle_replaced(&mut self) {
        if let Some(path) = self.replaced.take() {
            if self.gallery {
                let folder = folder_of(&path);
                if let Err(err) = write_gallery(folder) {
                    log::warn!("cannot refresh the gallery: {err}");
                }
            }
        }
    }
}

impl RecordingObserver for Manifest {
    fn video_started(&mut self, path: &Path, _started_by: VideoStart) {
        self.settle_replaced();
        let sidecar = sidecar_path(path);
        if sidecar.exists() {
            match std::fs::remove_file(&sidecar) {
                Ok(()) => log::debug!("{} is being replaced: sidecar removed", path.display()),
                Err(err) => log::warn!(
                    "{}: cannot remove the sidecar of the video being replaced: {err}",
                    sidecar.display()
                ),
            }
            self.replaced = Some(path.to_path_buf());
        }
    }

    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        let path = &video.facts.path;
        if self.replaced.as_deref() == Some(path.as_path()) {
            self.replaced = None;
        }
        let entry = ManifestEntry::from(video);
        write_sidecar(path, &entry)?;
        let folder = folder_of(path);
        append_index(folder, &entry)?;
        if self.gallery {
            write_gallery(folder)?;
        }
        Ok(())
    }
}

impl Drop for Manifest {
    fn drop(&mut self) {
        self.settle_replaced();
    }
}

/// The sidecar of the video at `video`: `<name>.json` for a video file
/// `<name>.mp4` (`.webm`, `.gif`, …), `<name>.json` beside a PNG-sequence
/// folder `<name>`.
///
/// ```
/// use std::path::Path;
/// use gymrec::record::manifest::sidecar_path;
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

/// Rewrites the folder's `index.html` from its `index.jsonl` and returns
/// its path. [`Manifest`] calls it after each video; call it yourself after
/// deleting videos by hand.
///
/// Errors with [`Error::Io`] when the index cannot be read or the page
/// cannot be written.
pub fn write_gallery(folder: &Path) -> Result<PathBuf> {
    let page = folder.join(GALLERY_FILE);
    let index = folder.join(INDEX_FILE);
    let title = folder_title(folder);
    for _ in 0..GALLERY_ROUNDS {
        let text = read_index_text(folder)?.unwrap_or_default();
        let videos: Vec<(ManifestEntry, Media)> = listed(folder, parse_index(folder, &text))
            .into_iter()
            .map(|e| {
                let media = media(folder, &e);
                (e, media)
            })
            .collect();
        let html = gallery::render(&title, &videos, SystemTime::now());
        write_atomically(&page, html.as_bytes())?;
        // Another writer may have appended after our read and renamed its
        // page before ours: then ours is stale, so write it again.
        let len = std::fs::metadata(&index).map_or(0, |m| m.len());
        if len <= text.len() as u64 {
            return Ok(page);
        }
    }
    log::debug!(
        "{}: the index kept growing while the gallery was written; its writers rewrite it",
        index.display()
    );
    Ok(page)
}

/// How the gallery shows the video of `entry`: a PNG-sequence folder by
/// its first frame, a GIF as an image, anything else as a `<video>`.
fn media(folder: &Path, entry: &ManifestEntry) -> Media {
    let path = folder.join(&entry.file);
    if path.is_dir() {
        let first = std::fs::read_dir(&path).ok().and_then(|files| {
            files
                .filter_map(|f| f.ok()?.file_name().into_string().ok())
                .filter(|n| n.to_ascii_lowercase().ends_with(".png"))
                .min()
        });
        return Media::Frames(first);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("gif") => Media::Image,
        _ => Media::Video,
    }
}

/// The folder a video is in (`.` for a bare file name).
fn folder_of(video: &Path) -> &Path {
    match video.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The gallery's title: the folder's name.
fn folder_title(folder: &Path) -> String {
    std::fs::canonicalize(folder)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| folder.display().to_string())
}

fn read_index_text(folder: &Path) -> Result<Option<String>> {
    let path = folder.join(INDEX_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn parse_index(folder: &Path, text: &str) -> Vec<ManifestEntry> {
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
fn listed(folder: &Path, entries: Vec<ManifestEntry>) -> Vec<ManifestEntry> {
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
    let mut videos: Vec<(usize, ManifestEntry)> = last
        .into_values()
        .filter(|(_, e)| folder.join(&e.file).exists())
        .collect();
    videos.sort_by(|(la, a), (lb, b)| b.finished_at.cmp(&a.finished_at).then(lb.cmp(la)));
    videos.into_iter().map(|(_, e)| e).collect()
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Writes the sidecar of the video at `video`.
fn write_sidecar(video: &Path, entry: &ManifestEntry) -> Result<()> {
    let path = sidecar_path(video);
    let mut json = serde_json::to_string_pretty(entry).map_err(|e| Error::Manifest {
        path: path.clone(),
        message: format!("cannot encode the sidecar: {e}"),
    })?;
    json.push('\n');
    write_atomically(&path, json.as_bytes())
}

/// Appends `entry` as one line to the folder's index, in one `write` call
/// on a file opened with `O_APPEND`: the kernel places each such write at
/// the end as a whole, so concurrent writers never interleave lines.
fn append_index(folder: &Path, entry: &ManifestEntry) -> Result<()> {
    let path = folder.join(INDEX_FILE);
    let mut line = serde_json::to_string(entry).map_err(|e| Error::Manifest {
        path: path.clone(),
        message: format!("cannot encode the index line: {e}"),
    })?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
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
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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

/// Deserializes what [`ManifestEntry`] serializes, reading back as NaN the
/// returns serde_json wrote as `null` because they were not finite.
mod lenient {
    use super::EpisodeInVideo;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    struct Episode {
        episode: u64,
        #[serde(rename = "return")]
        ret: Option<f64>,
        length: u64,
        complete: bool,
    }

    pub fn episodes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EpisodeInVideo>, D::Error> {
        let episodes = Vec::<Episode>::deserialize(d)?;
        Ok(episodes
            .into_iter()
            .map(|e| EpisodeInVideo {
                episode: e.episode,
                ret: e.ret.unwrap_or(f64::NAN),
                length: e.length,
                complete: e.complete,
            })
            .collect())
    }
}

/// `SystemTime` as RFC 3339 in UTC with milliseconds
/// (`2025-11-25T16:25:51.013Z`), formatted and parsed here.
pub(crate) mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "{text:?} is not an RFC 3339 UTC time like 2025-11-25T16:25:51.013Z"
            ))
        })
    }

    /// The UTC date and time of `t`: `(year, month, day, hour, minute,
    /// second, millisecond)`; times before 1970 count as 1970.
    pub fn parts(t: SystemTime) -> (i64, u32, u32, u32, u32, u32, u32) {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs() as i64;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let day = secs.rem_euclid(86_400) as u32;
        (
            y,
            m,
            d,
            day / 3600,
            day / 60 % 60,
            day % 60,
            since.subsec_millis(),
        )
    }

    /// `t` cut to whole milliseconds, as written (before 1970: 1970).
    pub fn to_millis(t: SystemTime) -> SystemTime {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        UNIX_EPOCH + Duration::new(since.as_secs(), since.subsec_millis() * 1_000_000)
    }

    /// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn format(t: SystemTime) -> String {
        let (y, mo, d, h, mi, s, ms) = parts(t);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (`t` or a space may stand
    /// for `T`, `z` for `Z`).
    pub fn parse(text: &str) -> Option<SystemTime> {
        let b = text.as_bytes();
        if b.len() < 20 || !b.is_ascii() {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u64> {
            let s = &text[range];
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' || !matches!(b[b.len() - 1], b'Z' | b'z') {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let fraction = &text[19..text.len() - 1];
        let nanos = match fraction.strip_prefix('.') {
            None if fraction.is_empty() => 0,
            Some(digits) if (1..=9).contains(&digits.len()) => {
                num(20..20 + digits.len())? * 10u64.pow(9 - digits.len() as u32)
            }
            _ => return None,
        };
        if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let (year, month, day) = (year as i64, month as u32, day as u32);
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
        let secs = u64::try_from(secs).ok()?;
        Some(UNIX_EPOCH + Duration::new(secs, nanos as u32))
    }

    fn days_in_month(year: i64, month: u32) -> u32 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date
    /// (Howard Hinnant's `days_from_civil`).
    fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = i64::from((month + 9) % 12);
        let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(secs * 1000 + millis)
    }

    #[test]
    fn times_format_as_rfc3339_utc_and_parse_back() {
        for (secs, ms, text) in [
            (0, 0, "1970-01-01T00:00:00.000Z"),
            (951_782_400, 5, "2000-02-29T00:00:00.005Z"),
            (951_868_799, 999, "2000-02-29T23:59:59.999Z"),
            (1_709_251_199, 0, "2024-02-29T23:59:59.000Z"),
            (4_107_542_400, 120, "2100-03-01T00:00:00.120Z"),
            (1_764_087_951, 13, "2025-11-25T16:25:51.013Z"),
        ] {
            assert_eq!(rfc3339::format(at(secs, ms)), text);
            assert_eq!(rfc3339::parse(text), Some(at(secs, ms)), "{text}");
        }
        assert_eq!(
            rfc3339::parse("2025-11-25T16:25:51Z"),
            Some(at(1_764_087_951, 0))
        );
        assert_eq!(
            rfc3339::parse("2025-11-25 16:25:51.5z"),
            Some(at(1_764_087_951, 500))
        );
        for bad in [
            "",
            "2025-11-25T16:25:51.013",
            "2025-11-25T16:25:51.013+01:00",
            "2025-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2025-11-25T24:00:00Z",
            "2025-11-25T16:25:51.Z",
            "2025-11-25T16:25:51.0123456789Z",
            "+025-11-25T16:25:51Z",
            "2025-11-25T16:2a:51Z",
        ] {
            assert_eq!(rfc3339::parse(bad), None, "{bad:?}");
        }
    }

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
