//! Read written videos back: [`probe`] reports what a file holds (counting
//! frames by decoding them), [`decode_rgb`] hands every decoded frame over as
//! RGB.
//!
//! Each format is read by the backend family that writes it:
//! - a folder is a PNG sequence (`frame-000000.png`, …; see
//!   [`sink::png`](crate::record::sink)), read in pure Rust (Cargo feature
//!   `png`); its frame rate comes from the frames' `fps` text chunk;
//! - a `.gif` file is read in pure Rust through `image` (feature `gif`); its
//!   timing comes from the frame delays;
//! - anything else (MP4, WebM) is decoded through the crate's own FFmpeg
//!   (feature `ffmpeg`, on by default).
//!
//! Without the feature a file needs, both return an error naming it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;

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
}

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
        Kind::Other => imp::probe(path),
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
        Kind::Other => imp::decode_rgb(path, each),
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
        } else if cfg!(feature = "gif")
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gif"))
        {
            Kind::Gif
        } else {
            Kind::Other
        }
    }
}

#[cfg(feature = "gif")]
mod gif_file {
    use std::fs::File;
    use std::io::BufReader;
    use std::path::Path;

    use image::AnimationDecoder;
    use image::codecs::gif::GifDecoder;

    use super::VideoProbe;
    use crate::record::sink::VideoFormat;
    use crate::{Error, Result};

    fn err(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            message: format!("{what} ({e}); is it a complete GIF file?"),
        }
    }

    /// Decodes every frame (composed onto the full canvas, as viewers show
    /// it) and calls `each(rgba, delay_secs)`; stops when `each` returns
    /// false. Returns the canvas size.
    fn frames(
        path: &Path,
        mut each: impl FnMut(&image::RgbaImage, f64) -> bool,
    ) -> Result<(u32, u32)> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let decoder =
            GifDecoder::new(BufReader::new(file)).map_err(|e| err(path, "cannot open", e))?;
        let size = image::ImageDecoder::dimensions(&decoder);
        for frame in decoder.into_frames() {
            let frame = frame.map_err(|e| err(path, "cannot decode a frame", e))?;
            let (numer, denom) = frame.delay().numer_denom_ms();
            let delay = f64::from(numer) / f64::from(denom.max(1)) / 1000.0;
            if !each(frame.buffer(), delay) {
                break;
            }
        }
        Ok(size)
    }

    pub(super) fn probe(path: &Path) -> Result<VideoProbe> {
        let mut count = 0u64;
        let mut duration = 0.0f64;
        let (width, height) = frames(path, |_, delay| {
            count += 1;
            duration += delay;
            true
        })?;
        // Delays are whole hundredths of a second: round off float noise.
        let duration_secs = (duration * 100.0).round() / 100.0;
        Ok(VideoProbe {
            frames: count,
            width,
            height,
            pixel_format: VideoFormat::Gif.pixel_format().into(),
            codec: VideoFormat::Gif.codec().into(),
            fps: if duration_secs > 0.0 {
                count as f64 / duration_secs
            } else {
                0.0
            },
            duration_secs,
        })
    }

    pub(super) fn decode_rgb(
        path: &Path,
        mut each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        let mut count = 0u64;
        let mut rgb = image::RgbImage::new(0, 0);
        frames(path, |rgba, _| {
            if rgb.dimensions() != rgba.dimensions() {
                rgb = image::RgbImage::new(rgba.width(), rgba.height());
            }
            for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
                *dst = image::Rgb([src[0], src[1], src[2]]);
            }
            let go_on = each(count, &rgb);
            count += 1;
            go_on
        })?;
        Ok(count)
    }
}

#[cfg(not(feature = "gif"))]
mod gif_file {
    pub(super) use super::imp::{decode_rgb, probe};
}

#[cfg(feature = "png")]
mod png_sequence {
    use std::path::{Path, PathBuf};

    use super::VideoProbe;
    use crate::record::sink::VideoFormat;
    use crate::record::sink::png::{FPS_KEYWORD, frame_file_name, frame_index};
    use crate::{Error, Result};

    fn err(path: &Path, message: String) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            message,
        }
    }

    /// The frame files of the sequence in `folder`, in order; errors when
    /// one is missing.
    fn frame_files(folder: &Path) -> Result<Vec<PathBuf>> {
        let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
        let mut indexed = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(folder, e))?;
            if let Some(index) = entry.file_name().to_str().and_then(frame_index) {
                indexed.push((index, entry.path()));
            }
        }
        indexed.sort();
        for (expected, (index, _)) in indexed.iter().enumerate() {
            if *index != expected as u64 {
                return Err(err(
                    folder,
                    format!(
                        "frame {} is missing (the next file is {}); a PNG sequence holds \
                         frame-000000.png, frame-000001.png, … with no gaps",
                        frame_file_name(expected as u64),
                        frame_file_name(*index)
                    ),
                ));
            }
        }
        Ok(indexed.into_iter().map(|(_, path)| path).collect())
    }

    /// The frame rate in `file`'s `fps` text chunk, if any.
    fn fps_of(file: &Path) -> Result<Option<f64>> {
        let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_ignore_text_chunk(false);
        let reader = decoder
            .read_info()
            .map_err(|e| err(file, format!("cannot read the PNG header ({e})")))?;
        Ok(reader
            .info()
            .uncompressed_latin1_text
            .iter()
            .find(|chunk| chunk.keyword == FPS_KEYWORD)
            .and_then(|chunk| chunk.text.trim().parse::<f64>().ok())
            .filter(|fps| *fps > 0.0))
    }

    /// Decodes every frame in order, calling `each(index, rgb)`; stops when
    /// `each` returns false. Returns the frames decoded and the first
    /// frame's size.
    fn frames(
        folder: &Path,
        mut each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<(u64, Option<(u32, u32)>)> {
        let mut size = None;
        let mut count = 0u64;
        for file in frame_files(folder)? {
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
                .map_err(|e| err(&file, format!("cannot decode the PNG frame ({e})")))?
                .into_rgb8();
            match size {
                None => size = Some(image.dimensions()),
                Some(s) if s != image.dimensions() => {
                    return Err(err(
                        &file,
                        format!(
                            "the frame is {}x{} but the first frame is {}x{}; every frame of \
                             a video has the same size",
                            image.width(),
                            image.height(),
                            s.0,
                            s.1
                        ),
                    ));
                }
                Some(_) => {}
            }
            let go_on = each(count, &image);
            count += 1;
            if !go_on {
                break;
            }
        }
        Ok((count, size))
    }

    pub(super) fn probe(folder: &Path) -> Result<VideoProbe> {
        let (frames, size) = frames(folder, |_, _| true)?;
        let Some((width, height)) = size else {
            return Err(err(
                folder,
                "the folder holds no frame-000000.png; is it a PNG sequence written by gymrec?"
                    .into(),
            ));
        };
        let fps = fps_of(&folder.join(frame_file_name(0)))?.unwrap_or(0.0);
        Ok(VideoProbe {
            frames,
            width,
            height,
            pixel_format: VideoFormat::Png.pixel_format().into(),
            codec: VideoFormat::Png.codec().into(),
            fps,
            duration_secs: if fps > 0.0 { frames as f64 / fps } else { 0.0 },
        })
    }

    pub(super) fn decode_rgb(
        folder: &Path,
        each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        frames(folder, each).map(|(count, _)| count)
    }
}

#[cfg(not(feature = "png"))]
mod png_sequence {
    use std::path::Path;

    use super::VideoProbe;
    use crate::Result;
    use crate::record::sink::VideoFormat;

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
