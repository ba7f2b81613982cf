//! [`Manifest`]: the observer that writes a folder's sidecars, index and
//! gallery as videos finish.

use super::gallery::write_gallery;
use super::index::{
    append_index, folder_of, remove_from_index, sidecar_path, write_atomically, write_sidecar,
};
use super::poster::{self, PosterSlots, PosterTap, poster_path};
use crate::Result;
use crate::catalog::ManifestEntry;
use crate::record::{RecordedVideo, RecordingConfig, RecordingObserver, VideoStart};
use crate::video::{FrameTap, VideoSpec};
use std::path::{Path, PathBuf};

/// The [`RecordingObserver`] that writes the sidecar, the poster frame, the
/// index line and the gallery of every kept video (see the
/// [module docs](crate::catalog)).
///
/// The poster (`<name>.poster.png`, [`poster_path`]) is
/// made on the encoder thread by a [`FrameTap`] (a frame from the middle
/// third of the video, at most [`POSTER_MAX_WIDTH`](super::POSTER_MAX_WIDTH)
/// wide) and written beside the video only when the video is kept, so a
/// video that is not kept leaves no poster behind.
///
/// It keeps no state about the folder: everything is read from and written
/// to the folder of each video, so any number of wrappers, in any number of
/// threads or processes, can share one folder (give them different name
/// prefixes so their file names differ).
///
/// When a video replaces an older one of the same name (with
/// `overwrite(true)`), the older sidecar and poster are removed as the new
/// video starts;
/// if the new video is then not kept, the gallery is rewritten without it at
/// the next video's start, or when the wrapper is dropped.
#[derive(Debug)]
pub struct Manifest {
    gallery: bool,
    posters: bool,
    /// What the poster taps made, by video path, until the video is kept.
    made: PosterSlots,
    replaced: Option<PathBuf>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

impl Manifest {
    /// Sidecars, posters, index lines and the `index.html` gallery.
    pub fn new() -> Self {
        Manifest {
            gallery: true,
            posters: true,
            made: PosterSlots::default(),
            replaced: None,
        }
    }

    /// Whether to make a poster frame for each video (on by default); the
    /// gallery shows a video without one by its own first frame, once the
    /// browser has loaded it.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// use gymrec::catalog::Manifest;
    /// let config = RecordingConfig::new("videos").observer(Manifest::new().posters(false));
    /// ```
    pub fn posters(mut self, posters: bool) -> Self {
        self.posters = posters;
        self
    }

    /// Whether to rewrite `index.html` after each video (on by default);
    /// sidecars and index lines are written either way.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// use gymrec::catalog::Manifest;
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
        poster::forget_removed(&self.made);
        let mut replaced = false;
        for (what, file) in [
            ("sidecar", sidecar_path(path)),
            ("poster", poster_path(path)),
        ] {
            if !file.exists() {
                continue;
            }
            replaced = true;
            match std::fs::remove_file(&file) {
                Ok(()) => log::debug!("{} is being replaced: {what} removed", path.display()),
                Err(err) => log::warn!(
                    "{}: cannot remove the {what} of the video being replaced: {err}",
                    file.display()
                ),
            }
        }
        if replaced {
            self.replaced = Some(path.to_path_buf());
        }
    }

    /// The poster's tap (it takes the size from the frames).
    fn frame_tap(&mut self, path: &Path, _spec: &VideoSpec) -> Option<Box<dyn FrameTap>> {
        self.posters
            .then(|| Box::new(PosterTap::new(path, self.made.clone())) as Box<dyn FrameTap>)
    }

    fn video_finished(&mut self, video: &RecordedVideo) -> Result<()> {
        let path = &video.facts.path;
        if self.replaced.as_deref() == Some(path.as_path()) {
            self.replaced = None;
        }
        let mut entry = ManifestEntry::from(video);
        // The poster first, so that the entry never names a missing file;
        // an error writing it leaves the video without one, reported after
        // the rest is written.
        let mut poster_error = None;
        // The tap knew the video by the name it started with.
        let started_as = video.recorded_as.as_deref().unwrap_or(path);
        if let Some(png) = poster::take(&self.made, started_as) {
            let file = poster_path(path);
            match write_atomically(&file, &png) {
                Ok(()) => entry.poster = file.file_name().map(|n| n.to_string_lossy().into_owned()),
                Err(err) => poster_error = Some(err),
            }
        }
        write_sidecar(path, &entry)?;
        let folder = folder_of(path);
        append_index(folder, &entry)?;
        if self.gallery {
            write_gallery(folder)?;
        }
        if !path.exists() {
            // Another recorder's retention removed it meanwhile.
            self.video_removed(path)?;
        }
        poster_error.map_or(Ok(()), Err)
    }

    /// Retention removed the video: its sidecar, its poster and its index
    /// lines go, and the gallery is written without its card.
    fn video_removed(&mut self, path: &Path) -> Result<()> {
        for file in [sidecar_path(path), poster_path(path)] {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(crate::Error::io(&file, e)),
            }
        }
        let folder = folder_of(path);
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            remove_from_index(folder, name)?;
        }
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

/// The gallery shorthand lives here, beside the observer it adds, so that
/// the recording layer never imports this one.
impl RecordingConfig {
    /// Describes each kept video in its folder: a `<name>.json` sidecar, a
    /// line in `index.jsonl` and an `index.html` gallery that plays every
    /// video from `file://`. Shorthand for `.observer(Manifest::new())`
    /// (see [`Manifest`]); add it once.
    ///
    /// ```
    /// use gymrec::record::RecordingConfig;
    /// // A gallery of the failures only.
    /// let config = RecordingConfig::new("videos")
    ///     .keep_if(|video| video.episodes.iter().any(|e| e.complete && e.ret < 100.0))
    ///     .gallery();
    /// ```
    pub fn gallery(self) -> Self {
        self.observer(Manifest::new())
    }
}
