//! Video sinks: backends that encode RGB frames into a file.
//!
//! A sink is created for one file with a [`VideoSpec`] (the size of the
//! frames it will be given and the frame rate) and [`EncoderSettings`]; it
//! takes frames one by one through [`VideoSink::write`] and closes the file
//! with [`VideoSink::finish`], which reports [`VideoFacts`] about what was
//! written. [`open`] makes the sink of a [`VideoFormat`].
//!
//! Backends, each behind its own Cargo feature (as `image` does with its
//! codecs):
//! - [`ffmpeg::FfmpegSink`] (feature `ffmpeg`, on by default): H.264 through
//!   libx264 in fragmented MP4, and VP9 through libvpx in WebM; yuv420p.
//!   Needs the system FFmpeg libraries.
//! - [`gif::GifSink`] (feature `gif`, on by default): animated GIF, pure
//!   Rust (image-rs's `gif` crate).
//! - [`png::PngSequenceSink`] (feature `png`, on by default): a folder of
//!   numbered PNG frames, pure Rust (image-rs's `png` crate).
//! - `openh264::OpenH264Sink` (feature `openh264`, off by default): H.264
//!   Constrained Baseline through Cisco's OpenH264 (built from source by the
//!   `openh264` crate) in MP4, with no FFmpeg. Writes MP4 when `ffmpeg` is
//!   not enabled.
//!
//! Most users do not drive a sink directly but through
//! [`VideoWriter`](crate::record::writer::VideoWriter), which runs the sink
//! on an encoder thread.

#[cfg(feature = "ffmpeg")]
pub mod ffmpeg;
#[cfg(feature = "gif")]
pub mod gif;
#[cfg(feature = "openh264")]
pub mod openh264;
#[cfg(feature = "png")]
pub mod png;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::env::Frame;
use crate::{Error, Result};

/// The largest frame width or height a video may have.
pub const MAX_DIMENSION: u32 = 16384;

/// The x264 presets, fastest first.
pub const X264_PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// What a video is made of: the size of the frames given to the sink and the
/// frame rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VideoSpec {
    /// Width of the frames given, in pixels.
    pub width: u32,
    /// Height of the frames given, in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl VideoSpec {
    /// A spec for `width` × `height` frames shown at `fps` frames per second.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        VideoSpec { width, height, fps }
    }

    /// Checks that the sizes are in `1..=`[`MAX_DIMENSION`] and the frame
    /// rate is at least 1.
    ///
    /// Errors with [`Error::InvalidConfig`] naming the value at fault and the
    /// allowed range.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if !(1..=MAX_DIMENSION).contains(&value) {
                return Err(Error::InvalidConfig(format!(
                    "video {name} = {value} is out of range; it must be in 1..={MAX_DIMENSION} pixels"
                )));
            }
        }
        if self.fps == 0 {
            return Err(Error::InvalidConfig(
                "video fps = 0 is out of range; it must be at least 1 frame per second".into(),
            ));
        }
        Ok(())
    }

    /// Checks that `frame` has this spec's size; errors with
    /// [`Error::FrameSize`] naming `path`, the video it was meant for.
    pub fn check_frame(&self, frame: &Frame, path: &Path) -> Result<()> {
        let expected = (self.width, self.height);
        let got = frame.dimensions();
        if got != expected {
            return Err(Error::FrameSize {
                path: path.to_path_buf(),
                expected,
                got,
            });
        }
        Ok(())
    }

    /// The size of the encoded picture: the frame size rounded up to even,
    /// as yuv420p needs (the last column/row is repeated into the padding).
    pub fn encoded_size(&self) -> (u32, u32) {
        (
            self.width + (self.width & 1),
            self.height + (self.height & 1),
        )
    }
}

/// How to encode: x264 preset, quality, threads and keyframe spacing.
///
/// The defaults are what a user would pick for RL videos: preset
/// `"veryfast"`, CRF 23, one encoder thread (the env needs the other core)
/// and one keyframe a second.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EncoderSettings {
    /// The x264 preset, one of [`X264_PRESETS`]; slower presets compress
    /// better.
    pub preset: String,
    /// Constant rate factor, `0..=51`: lower is better quality and larger
    /// files; 23 is x264's default, 18 looks visually lossless.
    pub crf: u8,
    /// Encoder threads, at least 1.
    pub threads: usize,
    /// Frames between keyframes; `None` means one keyframe a second (the
    /// frame rate). Keyframes are where a fragment of the MP4 ends, so this is
    /// also about how much a killed process loses.
    pub keyframe_interval: Option<u32>,
}

impl Default for EncoderSettings {
    fn default() -> Self {
        EncoderSettings {
            preset: "veryfast".into(),
            crf: 23,
            threads: 1,
            keyframe_interval: None,
        }
    }
}

impl EncoderSettings {
    /// Checks the preset name, `crf` in `0..=51`, `threads >= 1` and a
    /// keyframe interval of at least 1.
    ///
    /// Errors with [`Error::InvalidConfig`] naming the value at fault and the
    /// allowed values.
    pub fn validate(&self) -> Result<()> {
        if !X264_PRESETS.contains(&self.preset.as_str()) {
            return Err(Error::InvalidConfig(format!(
                "encoder preset {:?} is not an x264 preset; use one of {}",
                self.preset,
                X264_PRESETS.join(", ")
            )));
        }
        if self.crf > 51 {
            return Err(Error::InvalidConfig(format!(
                "encoder crf = {} is out of range; it must be in 0..=51 (lower is better quality)",
                self.crf
            )));
        }
        if self.threads == 0 {
            return Err(Error::InvalidConfig(
                "encoder threads = 0 is out of range; it must be at least 1".into(),
            ));
        }
        if self.keyframe_interval == Some(0) {
            return Err(Error::InvalidConfig(
                "encoder keyframe_interval = 0 is out of range; it must be at least 1 frame, \
                 or None for one keyframe a second"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The keyframe interval in frames for a video at `fps`: the one set,
    /// else `fps` (one keyframe a second).
    pub fn keyframe_interval_for(&self, fps: u32) -> u32 {
        self.keyframe_interval.unwrap_or(fps).max(1)
    }
}

/// Facts about a finished video file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoFacts {
    /// The file written.
    pub path: PathBuf,
    /// Frames in the file (every frame written).
    pub frames: u64,
    /// Width of the frames given.
    pub width: u32,
    /// Height of the frames given.
    pub height: u32,
    /// Width of the encoded picture (the frame width padded to even).
    pub encoded_width: u32,
    /// Height of the encoded picture (the frame height padded to even).
    pub encoded_height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Play time in seconds: `frames / fps`.
    pub duration_secs: f64,
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

/// The size of the finished file at `path`, in bytes.
#[cfg(any(feature = "ffmpeg", feature = "gif"))]
pub(crate) fn file_bytes(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len())
}

/// A backend that encodes frames into one video file.
///
/// A sink is made for one file (each backend has its own constructor taking
/// a [`VideoSpec`] and [`EncoderSettings`]), written frame by frame, and
/// closed with [`finish`](VideoSink::finish). A sink dropped without
/// `finish` may leave an incomplete file.
pub trait VideoSink: Send {
    /// Encodes one frame. The frame must have the spec's size; a frame of
    /// another size is an [`Error::FrameSize`] (and the frame is not written).
    fn write(&mut self, frame: &Frame) -> Result<()>;

    /// Flushes the encoder, closes the file and reports what was written.
    fn finish(self: Box<Self>) -> Result<VideoFacts>;
}

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
/// [`EncoderSettings`] apply to MP4 and WebM (see each field); GIF and PNG
/// ignore them. The default is MP4 when an MP4 backend is built in, else
/// GIF, else PNG.
///
/// ```
/// use gymrec::record::sink::VideoFormat;
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

    /// The codec's short name as [`VideoFacts::codec`] and
    /// [`probe`](crate::record::probe::probe) report it: `h264`, `vp9`,
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
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "video format {text:?} is unknown; use one of mp4, webm, gif, png"
                ))
            })
    }
}

/// Checks that this build can write `format` and that `spec` and `settings`
/// suit it: the spec's and settings' own checks, then the format's limits
/// (a GIF plays at most [`GIF_MAX_FPS`] fps).
///
/// Errors with [`Error::FormatUnavailable`] when the format's Cargo feature
/// is off, and with [`Error::InvalidConfig`] naming the value at fault.
pub fn check(format: VideoFormat, spec: &VideoSpec, settings: &EncoderSettings) -> Result<()> {
    spec.validate()?;
    settings.validate()?;
    if !format.is_available() {
        return Err(format.unavailable());
    }
    if format == VideoFormat::Gif && spec.fps > GIF_MAX_FPS {
        return Err(Error::InvalidConfig(format!(
            "video fps = {} is too high for GIF, which plays at most {GIF_MAX_FPS} fps (frame \
             delays are whole hundredths of a second and browsers slow shorter ones down); \
             set fps to {GIF_MAX_FPS} or less, or pick mp4 or webm",
            spec.fps
        )));
    }
    Ok(())
}

/// Makes the sink that writes `format` to `path` (for a PNG sequence,
/// `path` is the folder), after [`check`]ing the format, spec and settings.
///
/// MP4 is written by FFmpeg when the `ffmpeg` feature is on, else by
/// OpenH264 (`openh264`). Errors as [`check`] does, and as the backend's
/// constructor does when the file cannot be created.
pub fn open(
    format: VideoFormat,
    path: &Path,
    spec: &VideoSpec,
    settings: &EncoderSettings,
) -> Result<Box<dyn VideoSink>> {
    check(format, spec, settings)?;
    match format {
        #[cfg(feature = "ffmpeg")]
        VideoFormat::Mp4 => Ok(Box::new(ffmpeg::FfmpegSink::create(path, spec, settings)?)),
        #[cfg(all(feature = "openh264", not(feature = "ffmpeg")))]
        VideoFormat::Mp4 => Ok(Box::new(openh264::OpenH264Sink::create(
            path, spec, settings,
        )?)),
        #[cfg(feature = "ffmpeg")]
        VideoFormat::WebM => Ok(Box::new(ffmpeg::FfmpegSink::create_webm(
            path, spec, settings,
        )?)),
        #[cfg(feature = "gif")]
        VideoFormat::Gif => Ok(Box::new(gif::GifSink::create(path, spec)?)),
        #[cfg(feature = "png")]
        VideoFormat::Png => Ok(Box::new(png::PngSequenceSink::create(path, spec)?)),
        #[allow(unreachable_patterns)]
        _ => {
            let _ = path;
            Err(format.unavailable())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let s = EncoderSettings::default();
        assert_eq!(s.preset, "veryfast");
        assert_eq!(s.crf, 23);
        assert_eq!(s.threads, 1);
        assert_eq!(s.keyframe_interval_for(30), 30);
        s.validate().unwrap();
    }

    #[test]
    fn encoded_size_pads_to_even() {
        assert_eq!(VideoSpec::new(601, 401, 30).encoded_size(), (602, 402));
        assert_eq!(VideoSpec::new(600, 400, 30).encoded_size(), (600, 400));
        assert_eq!(VideoSpec::new(1, 1, 30).encoded_size(), (2, 2));
    }

    #[test]
    fn spec_validation_names_the_value() {
        let err = VideoSpec::new(0, 10, 30)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("width = 0"), "{err}");
        let err = VideoSpec::new(10, 10, 0)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("fps = 0"), "{err}");
        let err = VideoSpec::new(10, 20000, 1)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("height = 20000"), "{err}");
    }
}
