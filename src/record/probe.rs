//! Read written videos back: [`probe`] reports what a file holds (counting
//! frames by decoding them), [`decode_rgb`] hands every decoded frame over as
//! RGB.
//!
//! Both decode through the crate's own FFmpeg (Cargo feature `ffmpeg`, on by
//! default); without that feature they return an error.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;

/// What a video file holds, as read back from it.
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
}

/// Opens the video at `path`, decodes every frame of its first video stream
/// and reports what it holds.
///
/// A file cut short (e.g. a recording process that was killed) reports the
/// frames that can be decoded. Errors with [`Error::Decode`](crate::Error::Decode)
/// naming `path` when the file cannot be opened or has no video stream.
pub fn probe(path: &Path) -> Result<VideoProbe> {
    imp::probe(path)
}

/// Decodes the video at `path` and calls `each(index, frame)` for every
/// frame in display order, as RGB at the encoded size; `each` returns
/// `false` to stop early. Returns the number of frames handed to `each`.
///
/// The RGB image passed to `each` is reused between calls; clone it to keep
/// it.
pub fn decode_rgb(path: &Path, each: impl FnMut(u64, &image::RgbImage) -> bool) -> Result<u64> {
    imp::decode_rgb(path, each)
}

#[cfg(feature = "ffmpeg")]
mod imp {
    use std::path::Path;

    use ff::format::Pixel;
    use ff::software::scaling;
    use ff::{codec, decoder, frame, media};
    use ffmpeg_next as ff;

    use super::VideoProbe;
    use crate::record::sink::ffmpeg::init_ffmpeg;
    use crate::{Error, Result};

    fn err(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
        let hint = if what == "cannot open" {
            "is it a video file?"
        } else {
            "is it a complete video file written by a current FFmpeg?"
        };
        Error::Decode {
            path: path.to_path_buf(),
            message: format!("{what} ({e}); {hint}"),
        }
    }

    /// An open file with a decoder for its first video stream.
    struct Reader {
        input: ff::format::context::Input,
        stream_index: usize,
        decoder: decoder::Video,
        frame: frame::Video,
    }

    impl Reader {
        fn open(path: &Path) -> Result<Reader> {
            init_ffmpeg();
            if !path.is_file() {
                return Err(Error::Decode {
                    path: path.to_path_buf(),
                    message: "there is no such file (or it is not a regular file)".into(),
                });
            }
            let input = ff::format::input(path).map_err(|e| err(path, "cannot open", e))?;
            let stream = input
                .streams()
                .best(media::Type::Video)
                .ok_or_else(|| err(path, "cannot find a stream", "the file has no video stream"))?;
            let stream_index = stream.index();
            let mut ctx = codec::context::Context::from_parameters(stream.parameters())
                .map_err(|e| err(path, "cannot read the stream parameters", e))?;
            // Decoding runs in tests and summaries: one thread keeps it light.
            ctx.set_threading(ff::threading::Config {
                kind: ff::threading::Type::Frame,
                count: 1,
                ..Default::default()
            });
            let decoder = ctx
                .decoder()
                .video()
                .map_err(|e| err(path, "cannot open a decoder", e))?;
            Ok(Reader {
                input,
                stream_index,
                decoder,
                frame: frame::Video::empty(),
            })
        }

        /// Decodes every frame, calling `on_packet` with each packet of the
        /// stream and `on_frame` with each decoded frame; stops when
        /// `on_frame` returns false.
        fn run(
            &mut self,
            path: &Path,
            mut on_frame: impl FnMut(&frame::Video) -> Result<bool>,
            mut on_packet: impl FnMut(&ff::Packet),
        ) -> Result<()> {
            let Reader {
                input,
                stream_index,
                decoder,
                frame,
            } = self;
            for (stream, packet) in input.packets() {
                if stream.index() != *stream_index {
                    continue;
                }
                on_packet(&packet);
                if let Err(e) = decoder.send_packet(&packet) {
                    // A damaged packet (e.g. the cut-off end of a killed
                    // recording) is skipped, as players do.
                    log::debug!("{}: skipping a packet: {e}", path.display());
                    continue;
                }
                if !receive(path, decoder, frame, &mut on_frame)? {
                    return Ok(());
                }
            }
            if decoder.send_eof().is_ok() {
                receive(path, decoder, frame, &mut on_frame)?;
            }
            Ok(())
        }
    }

    /// Hands every frame the decoder has ready to `on_frame`; false when
    /// `on_frame` asked to stop.
    fn receive(
        path: &Path,
        decoder: &mut decoder::Video,
        frame: &mut frame::Video,
        on_frame: &mut impl FnMut(&frame::Video) -> Result<bool>,
    ) -> Result<bool> {
        loop {
            match decoder.receive_frame(frame) {
                Ok(()) => {
                    if !on_frame(frame)? {
                        return Ok(false);
                    }
                }
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(true),
                Err(ff::Error::Eof) => return Ok(true),
                Err(e) => return Err(err(path, "cannot decode a frame", e)),
            }
        }
    }

    pub(super) fn probe(path: &Path) -> Result<VideoProbe> {
        let mut reader = Reader::open(path)?;
        let stream = reader
            .input
            .stream(reader.stream_index)
            .ok_or_else(|| err(path, "cannot find a stream", "the video stream vanished"))?;
        let time_base = f64::from(stream.time_base());
        let rate = stream.avg_frame_rate();
        let fps = if rate.denominator() != 0 && rate.numerator() > 0 {
            f64::from(rate)
        } else {
            let r = stream.rate();
            if r.denominator() != 0 {
                f64::from(r)
            } else {
                0.0
            }
        };
        let codec = reader.decoder.id().name().to_string();

        let mut frames = 0u64;
        let mut first_pts: Option<i64> = None;
        let mut end_pts: Option<i64> = None;
        let mut size = (reader.decoder.width(), reader.decoder.height());
        let mut format = reader.decoder.format();
        reader.run(
            path,
            |f| {
                frames += 1;
                size = (f.width(), f.height());
                format = f.format();
                Ok(true)
            },
            |p| {
                if let Some(pts) = p.pts() {
                    first_pts = Some(first_pts.map_or(pts, |f| f.min(pts)));
                    let end = pts + p.duration().max(0);
                    end_pts = Some(end_pts.map_or(end, |e| e.max(end)));
                }
            },
        )?;
        let duration_secs = match (first_pts, end_pts) {
            (Some(first), Some(end)) if end > first => (end - first) as f64 * time_base,
            _ if fps > 0.0 => frames as f64 / fps,
            _ => 0.0,
        };
        let pixel_format = format
            .descriptor()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|| format!("{format:?}").to_lowercase());
        Ok(VideoProbe {
            frames,
            width: size.0,
            height: size.1,
            pixel_format,
            codec,
            fps,
            duration_secs,
        })
    }

    pub(super) fn decode_rgb(
        path: &Path,
        mut each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        let mut reader = Reader::open(path)?;
        let mut scaler: Option<scaling::Context> = None;
        let mut rgb = frame::Video::empty();
        let mut image = image::RgbImage::new(0, 0);
        let mut count = 0u64;
        reader.run(
            path,
            |f| {
                let (w, h) = (f.width(), f.height());
                let same = scaler.as_ref().is_some_and(|s| {
                    let i = s.input();
                    (i.format, i.width, i.height) == (f.format(), w, h)
                });
                if !same {
                    let s = scaling::Context::get(
                        f.format(),
                        w,
                        h,
                        Pixel::RGB24,
                        w,
                        h,
                        scaling::Flags::BILINEAR,
                    )
                    .map_err(|e| err(path, "cannot make the YUV to RGB converter", e))?;
                    scaler = Some(s);
                    rgb = frame::Video::new(Pixel::RGB24, w, h);
                    image = image::RgbImage::new(w, h);
                }
                let Some(s) = scaler.as_mut() else {
                    return Ok(false);
                };
                s.run(f, &mut rgb)
                    .map_err(|e| err(path, "cannot convert YUV to RGB", e))?;
                let stride = rgb.stride(0);
                let row = w as usize * 3;
                let src = rgb.data(0);
                let dst: &mut [u8] = &mut image;
                for y in 0..h as usize {
                    dst[y * row..(y + 1) * row].copy_from_slice(&src[y * stride..y * stride + row]);
                }
                let go_on = each(count, &image);
                count += 1;
                Ok(go_on)
            },
            |_| {},
        )?;
        Ok(count)
    }
}

#[cfg(not(feature = "ffmpeg"))]
mod imp {
    use std::path::Path;

    use super::VideoProbe;
    use crate::{Error, Result};

    fn unavailable(path: &Path) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            message: "gymrec was built without the `ffmpeg` feature; enable it to read videos"
                .into(),
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
