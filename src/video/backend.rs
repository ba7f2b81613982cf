//! From a [`VideoFormat`] to the backend that writes it: [`check`] that this
//! build can write it with a spec and settings, [`open`] its sink.

use std::path::Path;

#[allow(unused_imports)]
use super::codecs;
use super::format::gif_fps_error;
use super::{EncoderSettings, GIF_MAX_FPS, VideoFormat, VideoSink, VideoSpec};
use crate::Result;

/// Checks that this build can write `format` and that `spec` and `settings`
/// suit it: the spec's and settings' own checks, then the format's limits
/// (a GIF plays at most [`GIF_MAX_FPS`] fps).
///
/// Errors with [`Error::FormatUnavailable`](crate::Error::FormatUnavailable) when the format's Cargo feature
/// is off, with [`Error::OutOfRange`](crate::Error::OutOfRange) ([`Setting::GifFps`](crate::Setting::GifFps), allowed
/// `1..=GIF_MAX_FPS`) for a GIF above [`GIF_MAX_FPS`], and as
/// [`VideoSpec::validate`] and [`EncoderSettings::validate`] do.
pub fn check(format: VideoFormat, spec: &VideoSpec, settings: &EncoderSettings) -> Result<()> {
    spec.validate()?;
    settings.validate()?;
    if !format.is_available() {
        return Err(format.unavailable());
    }
    if format == VideoFormat::Gif && spec.fps > GIF_MAX_FPS {
        return Err(gif_fps_error(spec.fps, None));
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
        VideoFormat::Mp4 => Ok(Box::new(codecs::ffmpeg::FfmpegSink::create(
            path, spec, settings,
        )?)),
        #[cfg(all(feature = "openh264", not(feature = "ffmpeg")))]
        VideoFormat::Mp4 => Ok(Box::new(codecs::openh264::OpenH264Sink::create(
            path, spec, settings,
        )?)),
        #[cfg(feature = "ffmpeg")]
        VideoFormat::WebM => Ok(Box::new(codecs::ffmpeg::FfmpegSink::create_webm(
            path, spec, settings,
        )?)),
        #[cfg(feature = "gif")]
        VideoFormat::Gif => Ok(Box::new(codecs::gif::GifSink::create(path, spec)?)),
        #[cfg(feature = "png")]
        VideoFormat::Png => Ok(Box::new(codecs::png::PngSequenceSink::create(path, spec)?)),
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
    use crate::{Error, Setting};

    #[test]
    fn gif_rates_are_typed() {
        let err = check(
            VideoFormat::Gif,
            &VideoSpec::new(8, 8, 60),
            &EncoderSettings::default(),
        )
        .unwrap_err();
        if VideoFormat::Gif.is_available() {
            assert!(
                matches!(&err, Error::OutOfRange { setting: Setting::GifFps, value: 60, allowed, context: None }
                    if *allowed == (1..=u64::from(GIF_MAX_FPS))),
                "{err:?}"
            );
            assert!(
                err.to_string().contains("fps = 60 is too high for GIF"),
                "{err}"
            );
        } else {
            assert!(matches!(err, Error::FormatUnavailable { .. }), "{err:?}");
        }
    }
}
