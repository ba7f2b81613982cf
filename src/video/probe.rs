//! Read written videos back: [`probe`] reports what a file holds (counting
//! frames by decoding them), [`decode_rgb`] hands every decoded frame over as
//! RGB.
//!
//! Each format is read by the backend family that writes it:
//! - a folder is a PNG sequence (`frame-000000.png`, …; see
//!   `codecs::png`), read in pure Rust (Cargo feature
//!   `png`); its frame rate comes from the frames' `fps` text chunk;
//! - a `.gif` file is read in pure Rust through `image` (feature `gif`); its
//!   timing comes from the frame delays;
//! - anything else (MP4, WebM) is decoded through the crate's own FFmpeg
//!   (feature `ffmpeg`, on by default).
//!
//! Without the feature a file needs, both return an error naming it.

use std::path::Path;

pub use super::VideoProbe;
use crate::Result;

/// Opens the video at `path`, decodes every frame of its first video stream
/// and reports what it holds.
///
/// A file cut short (e.g. a recording process that was killed) reports the
/// frames that can be decoded. Errors with [`Error::Decode`](crate::Error::Decode)
/// naming `path` when the file cannot be opened or has no video stream.
pub fn probe(path: &Path) -> Result<VideoProbe> {
    match Kind::of(path) {
        Kind::PngSequence => png_sequence::probe(path),
        Kind::Gif => gif_file::probe(path),
        Kind::Other => ffmpeg_file::probe(path),
    }
}

/// Decodes the video at `path` and calls `each(index, frame)` for every
/// frame in display order, as RGB at the encoded size; `each` returns
/// `false` to stop early. Returns the number of frames handed to `each`.
///
/// The RGB image passed to `each` is reused between calls; clone it to keep
/// it.
pub fn decode_rgb(path: &Path, each: impl FnMut(u64, &image::RgbImage) -> bool) -> Result<u64> {
    match Kind::of(path) {
        Kind::PngSequence => png_sequence::decode_rgb(path, each),
        Kind::Gif => gif_file::decode_rgb(path, each),
        Kind::Other => ffmpeg_file::decode_rgb(path, each),
    }
}

/// Which reader a path needs.
enum Kind {
    /// A folder: a PNG sequence.
    PngSequence,
    /// A `.gif` file, read in pure Rust (with the `gif` feature).
    Gif,
    /// Anything else: FFmpeg.
    Other,
}

impl Kind {
    fn of(path: &Path) -> Kind {
        if path.is_dir() {
            Kind::PngSequence
        } else if cfg!(feature = "gif") && is_gif_name(path) {
            Kind::Gif
        } else {
            Kind::Other
        }
    }
}

/// Whether `path` is named `*.gif`, or `*.gif.part` (a file written under
/// a working name, as recorders do until it is complete).
fn is_gif_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.strip_suffix(".part").unwrap_or(name);
    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".gif")
}

#[cfg(feature = "ffmpeg")]
use super::codecs::ffmpeg::read as ffmpeg_file;
#[cfg(feature = "gif")]
use super::codecs::gif::read as gif_file;
#[cfg(feature = "png")]
use super::codecs::png::read as png_sequence;
#[cfg(not(feature = "gif"))]
use ffmpeg_file as gif_file;

#[cfg(not(feature = "png"))]
mod png_sequence {
    use std::path::Path;

    use super::VideoProbe;
    use crate::Result;
    use crate::video::VideoFormat;

    pub(super) fn probe(path: &Path) -> Result<VideoProbe> {
        let _ = path;
        Err(VideoFormat::Png.unavailable())
    }

    pub(super) fn decode_rgb(
        path: &Path,
        _each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        let _ = path;
        Err(VideoFormat::Png.unavailable())
    }
}

#[cfg(not(feature = "ffmpeg"))]
mod ffmpeg_file {
    use std::path::Path;

    use super::VideoProbe;
    use crate::{Error, Result};

    fn unavailable(path: &Path) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            what: "gymrec was built without the `ffmpeg` feature".into(),
            hint: "enable it to read videos",
            source: None,
        }
    }

    pub(super) fn probe(path: &Path) -> Result<VideoProbe> {
        Err(unavailable(path))
    }

    pub(super) fn decode_rgb(
        path: &Path,
        _each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        Err(unavailable(path))
    }
}
