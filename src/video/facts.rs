//! What a video file holds: [`VideoFacts`] as written, [`VideoProbe`] as
//! read back.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ColorTags, VideoFormat, VideoSpec};
#[allow(unused_imports)]
use crate::{Error, Result};

/// Facts about a finished video file.
///
/// As JSON (flattened into the record layer's `RecordedVideo` and the
/// catalog's `ManifestEntry`), the fields are written in the order declared
/// here, and an empty `path` is left out: a catalog entry, which names its
/// file relative to its folder instead, has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoFacts {
    /// The file written (empty in a catalog entry, and when it is read
    /// back from JSON without a `path`).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub path: PathBuf,
    /// Frames in the file (every frame written).
    pub frames: u64,
    /// Frames per second.
    pub fps: u32,
    /// Play time in seconds: `frames / fps`.
    pub duration_secs: f64,
    /// Width of the frames given.
    pub width: u32,
    /// Height of the frames given.
    pub height: u32,
    /// Width of the encoded picture (the frame width padded to even).
    pub encoded_width: u32,
    /// Height of the encoded picture (the frame height padded to even).
    pub encoded_height: u32,
    /// The codec's short name, e.g. `"h264"`.
    pub codec: String,
    /// The encoded pixel format, e.g. `"yuv420p"`.
    pub pixel_format: String,
    /// Size of the file in bytes.
    pub bytes: u64,
}

impl VideoFacts {
    /// The facts of a finished `format` file at `path` holding `frames`
    /// frames of `spec` in `bytes` bytes: encoded at the padded size for
    /// yuv420p formats, playing `frames / fps` seconds (a sink whose frames
    /// last otherwise sets `duration_secs` itself).
    #[cfg(any(
        feature = "ffmpeg",
        feature = "gif",
        feature = "png",
        feature = "openh264"
    ))]
    pub(crate) fn new(
        format: VideoFormat,
        path: PathBuf,
        spec: VideoSpec,
        frames: u64,
        bytes: u64,
    ) -> Self {
        log::debug!("{}: wrote {frames} frames, {bytes} bytes", path.display());
        let (encoded_width, encoded_height) = match format {
            VideoFormat::Mp4 | VideoFormat::WebM => spec.encoded_size(),
            VideoFormat::Gif | VideoFormat::Png => (spec.width, spec.height),
        };
        VideoFacts {
            path,
            frames,
            width: spec.width,
            height: spec.height,
            encoded_width,
            encoded_height,
            fps: spec.fps,
            duration_secs: frames as f64 / f64::from(spec.fps),
            codec: format.codec().into(),
            pixel_format: format.pixel_format().into(),
            bytes,
        }
    }
}

/// Whether `path` is empty, which [`VideoFacts`]' JSON leaves out.
fn is_empty(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

/// The size of the finished file at `path`, in bytes.
#[cfg(any(feature = "ffmpeg", feature = "gif"))]
pub(crate) fn file_bytes(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len())
}

/// What a video file (or PNG-sequence folder) holds, as read back from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoProbe {
    /// Frames in the file, counted by decoding every one.
    pub frames: u64,
    /// Width of the encoded picture.
    pub width: u32,
    /// Height of the encoded picture.
    pub height: u32,
    /// Pixel format of the video stream, e.g. `"yuv420p"`.
    pub pixel_format: String,
    /// Codec of the video stream, e.g. `"h264"`.
    pub codec: String,
    /// Frame rate: the stream's average frame rate.
    pub fps: f64,
    /// Play time in seconds: from the first frame's start to the last
    /// frame's end, as the packets' timestamps say.
    pub duration_secs: f64,
    /// How the stream says its colours are to be read (all `None` for GIF
    /// and PNG, which hold RGB).
    #[serde(default)]
    pub color: ColorTags,
}
