//! [`Manifest`]: the observer that writes a folder's sidecars, index and
//! gallery as videos finish.

use super::gallery::write_gallery;
use super::index::{append_index, folder_of, sidecar_path, write_sidecar};
use crate::Result;
use crate::catalog::ManifestEntry;
use crate::record::{RecordedVideo, RecordingConfig, RecordingObserver, VideoStart};
use std::path::{Path, PathBuf};

/// The [`RecordingObserver`] that writes the sidecar, the index line and the
/// gallery of every kept video (see the [module docs](crate::catalog)).
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
