//! [`VideoFormat`]: the kinds of file gymrec writes.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ColorTags;
use crate::{Error, Result, Setting};

/// The highest frame rate a GIF can play at: frame delays are whole
/// hundredths of a second, and browsers slow delays under 2/100 s down to
/// 1/10 s.
pub const GIF_MAX_FPS: u32 = 50;

/// The kind of file a recording writes: container and codec.
///
/// | format | file | codec, pixels | backend (Cargo feature) |
/// |---|---|---|---|
/// | [`Mp4`](Self::Mp4) (default) | `<name>.mp4` | H.264, yuv420p | FFmpeg/libx264 (`ffmpeg`), else OpenH264 (`openh264`) |
/// | [`WebM`](Self::WebM) | `<name>.webm` | VP9, yuv420p | FFmpeg/libvpx (`ffmpeg`) |
/// | [`Gif`](Self::Gif) | `<name>.gif` | GIF, 8-bit palette per frame | pure Rust (`gif`) |
/// | [`Png`](Self::Png) | folder `<name>/` of `frame-000000.png`, … | PNG, rgb24, lossless | pure Rust (`png`) |
///
/// [`EncoderSettings`](super::EncoderSettings) apply to MP4 and WebM (see each field); GIF and PNG
/// ignore them. The default is MP4 when an MP4 backend is built in, else
/// GIF, else PNG.
///
/// ```
/// use gymrec::video::VideoFormat;
///
/// let format: VideoFormat = "webm".parse()?;
/// assert_eq!(format, VideoFormat::WebM);
/// assert_eq!(format.file_name("rl-video-episode-0"), "rl-video-episode-0.webm");
/// assert_eq!(VideoFormat::Png.file_name("rl-video-episode-0"), "rl-video-episode-0");
/// # Ok::<(), gymrec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VideoFormat {
    /// H.264 in MP4: plays everywhere; the best choice for most uses.
    Mp4,
    /// VP9 in WebM: smaller files than H.264 at the same quality, slower to
    /// encode; plays in browsers.
    WebM,
    /// Animated GIF: plays inline anywhere images do (READMEs, chats); large
    /// files, at most 256 colours per frame and [`GIF_MAX_FPS`] fps.
    Gif,
    /// A folder of numbered, lossless PNG frames: for frame-exact analysis
    /// or further processing. The frame rate is in each file's `fps` text
    /// chunk.
    Png,
}

impl VideoFormat {
    /// Every format, in the order of the table above.
    pub const ALL: [VideoFormat; 4] = [
        VideoFormat::Mp4,
        VideoFormat::WebM,
        VideoFormat::Gif,
        VideoFormat::Png,
    ];

    /// The format's short name, as `--format` takes it: `mp4`, `webm`,
    /// `gif`, `png`.
    pub fn name(self) -> &'static str {
        match self {
            VideoFormat::Mp4 => "mp4",
            VideoFormat::WebM => "webm",
            VideoFormat::Gif => "gif",
            VideoFormat::Png => "png",
        }
    }

    /// The file extension of a video in this format, or `None` for a PNG
    /// sequence, which is a folder.
    pub fn extension(self) -> Option<&'static str> {
        match self {
            VideoFormat::Mp4 => Some("mp4"),
            VideoFormat::WebM => Some("webm"),
            VideoFormat::Gif => Some("gif"),
            VideoFormat::Png => None,
        }
    }

    /// The file (or, for a PNG sequence, folder) name of a video named
    /// `stem`: `stem.mp4`, `stem.webm`, `stem.gif`, or `stem`.
    pub fn file_name(self, stem: &str) -> String {
        match self.extension() {
            Some(ext) => format!("{stem}.{ext}"),
            None => stem.to_string(),
        }
    }

    /// The codec's short name as [`VideoFacts::codec`](super::VideoFacts::codec) and
    /// [`probe`](crate::video::probe::probe) report it: `h264`, `vp9`,
    /// `gif`, `png`.
    pub fn codec(self) -> &'static str {
        match self {
            VideoFormat::Mp4 => "h264",
            VideoFormat::WebM => "vp9",
            VideoFormat::Gif => "gif",
            VideoFormat::Png => "png",
        }
    }

    /// The pixel format written, as FFmpeg names it: `yuv420p` (MP4,
    /// WebM), `pal8` (GIF), `rgb24` (PNG).
    pub fn pixel_format(self) -> &'static str {
        match self {
            VideoFormat::Mp4 | VideoFormat::WebM => "yuv420p",
            VideoFormat::Gif => "pal8",
            VideoFormat::Png => "rgb24",
        }
    }

    /// The colour description the writers put into a file of this format:
    /// for MP4 and WebM (yuv420p) [`ColorTags::bt601_limited`], the matrix
    /// they convert RGB with; for GIF and PNG (RGB) none.
    ///
    /// ```
    /// use gymrec::video::{ColorTags, VideoFormat};
    ///
    /// assert_eq!(VideoFormat::Mp4.color_tags().matrix.as_deref(), Some("smpte170m"));
    /// assert_eq!(VideoFormat::Png.color_tags(), ColorTags::default());
    /// ```
    pub fn color_tags(self) -> ColorTags {
        match self {
            VideoFormat::Mp4 | VideoFormat::WebM => ColorTags::bt601_limited(),
            VideoFormat::Gif | VideoFormat::Png => ColorTags::default(),
        }
    }

    /// The Cargo feature whose backend writes this format.
    pub fn feature(self) -> &'static str {
        match self {
            VideoFormat::Mp4 if cfg!(all(feature = "openh264", not(feature = "ffmpeg"))) => {
                "openh264"
            }
            VideoFormat::Mp4 | VideoFormat::WebM => "ffmpeg",
            VideoFormat::Gif => "gif",
            VideoFormat::Png => "png",
        }
    }

    /// Whether this build has a backend for the format (see
    /// [`feature`](Self::feature)).
    pub fn is_available(self) -> bool {
        match self {
            VideoFormat::Mp4 => cfg!(any(feature = "ffmpeg", feature = "openh264")),
            VideoFormat::WebM => cfg!(feature = "ffmpeg"),
            VideoFormat::Gif => cfg!(feature = "gif"),
            VideoFormat::Png => cfg!(feature = "png"),
        }
    }

    /// The format a video at `path` is written in, from its extension:
    /// `.mp4`, `.webm`, `.gif` (any case), or none (a folder) for a PNG
    /// sequence.
    ///
    /// Errors with [`Error::UnknownExtension`] for any other extension,
    /// naming the formats this build has.
    ///
    /// ```
    /// use gymrec::video::VideoFormat;
    /// use std::path::Path;
    /// assert_eq!(VideoFormat::from_path(Path::new("ball.GIF"))?, VideoFormat::Gif);
    /// assert_eq!(VideoFormat::from_path(Path::new("runs/frames"))?, VideoFormat::Png);
    /// let err = VideoFormat::from_path(Path::new("ball.avi")).unwrap_err();
    /// assert!(err.to_string().contains("avi"), "{err}");
    /// # Ok::<(), gymrec::Error>(())
    /// ```
    pub fn from_path(path: &Path) -> Result<VideoFormat> {
        let Some(extension) = path.extension() else {
            return Ok(VideoFormat::Png);
        };
        let extension = extension.to_string_lossy();
        VideoFormat::ALL
            .into_iter()
            .find(|f| {
                f.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&extension))
            })
            .ok_or_else(|| Error::UnknownExtension {
                path: path.to_path_buf(),
                extension: extension.into_owned(),
                available: VideoFormat::available()
                    .into_iter()
                    .map(|f| match f.extension() {
                        Some(ext) => format!(".{ext}"),
                        None => "a folder (png)".to_string(),
                    })
                    .collect(),
            })
    }

    /// The formats this build can write.
    pub fn available() -> Vec<VideoFormat> {
        VideoFormat::ALL
            .into_iter()
            .filter(|f| f.is_available())
            .collect()
    }

    /// An [`Error::FormatUnavailable`] for this format.
    pub(crate) fn unavailable(self) -> Error {
        Error::FormatUnavailable {
            format: self.name().to_string(),
            feature: self.feature(),
            available: VideoFormat::available()
                .into_iter()
                .map(|f| f.name().to_string())
                .collect(),
        }
    }
}

impl Default for VideoFormat {
    /// MP4 when an MP4 backend is built in (`ffmpeg` or `openh264`), else
    /// GIF (`gif`), else PNG.
    fn default() -> Self {
        if cfg!(any(feature = "ffmpeg", feature = "openh264")) {
            VideoFormat::Mp4
        } else if cfg!(feature = "gif") {
            VideoFormat::Gif
        } else {
            VideoFormat::Png
        }
    }
}

impl fmt::Display for VideoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VideoFormat {
    type Err = Error;

    /// Parses `mp4`, `webm`, `gif` or `png` (any case, with or without a
    /// leading dot).
    fn from_str(text: &str) -> Result<Self> {
        let name = text.trim().trim_start_matches('.').to_ascii_lowercase();
        VideoFormat::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::UnknownFormat {
                name: text.to_string(),
            })
    }
}

/// The [`Error::OutOfRange`] of a GIF at `fps` frames per second, above
/// [`GIF_MAX_FPS`]; `context` names the file when there is one.
pub(crate) fn gif_fps_error(fps: u32, context: Option<String>) -> Error {
    Error::OutOfRange {
        setting: Setting::GifFps,
        value: fps.into(),
        allowed: 1..=GIF_MAX_FPS.into(),
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_typed() {
        let err = " avi".parse::<VideoFormat>().unwrap_err();
        assert!(
            matches!(&err, Error::UnknownFormat { name } if name == " avi"),
            "{err:?}"
        );
        assert!(err.to_string().contains("mp4, webm, gif, png"), "{err}");
    }
}
