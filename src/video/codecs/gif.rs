//! The GIF backend: animated GIF, pure Rust, through image-rs's `gif` crate.
//!
//! Each frame gets its own palette: the exact colours when the pixels that
//! changed have at most 255 (rendered RL scenes usually do, so the GIF is
//! then lossless), else 256 colours chosen by NeuQuant. Only the rectangle
//! that changed since the previous frame is stored, and in it the pixels
//! that did not change are transparent (long runs of one index, which LZW
//! packs tightly), which keeps files of mostly static scenes small.
//!
//! Timing: GIF frame delays are whole hundredths of a second. Frame `i`
//! (from 0) is shown from `round(100·i/fps)` to `round(100·(i+1)/fps)`
//! hundredths, so the delays add up to the video's length with no drift
//! (30 fps alternates 3, 3 and 4 hundredths). Browsers slow delays under
//! 2/100 s down, so GIFs are limited to [`GIF_MAX_FPS`] fps.
//!
//! The file is flushed after every frame: a process killed mid-video leaves
//! a GIF (without its trailer) that viewers show up to the last frame.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::frame::Frame;
use crate::video::facts::file_bytes;
use crate::video::{GIF_MAX_FPS, VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::{Error, Result};

/// NeuQuant's speed (1 best … 30 fastest) for frames with more than 256
/// colours; 10 is `gif`'s own default.
const NEUQUANT_SPEED: i32 = 10;

/// A [`VideoSink`] writing an animated GIF that loops forever.
///
/// ```
/// use gymrec::video::codecs::gif::GifSink;
/// use gymrec::video::{VideoSink, VideoSpec};
///
/// # fn main() -> gymrec::Result<()> {
/// let path = std::env::temp_dir().join(format!("gymrec-doc-gif-{}.gif", std::process::id()));
/// let mut sink = GifSink::create(&path, &VideoSpec::new(64, 48, 25))?;
/// let mut frame = image::RgbImage::new(64, 48);
/// for i in 0..25u8 {
///     frame.put_pixel(u32::from(i), 10, image::Rgb([255, i * 10, 0]));
///     sink.write(&frame)?;
/// }
/// let facts = sink.finish()?;
/// assert_eq!((facts.frames, facts.duration_secs), (25, 1.0));
/// assert_eq!((facts.codec.as_str(), facts.pixel_format.as_str()), ("gif", "pal8"));
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub struct GifSink {
    path: PathBuf,
    spec: VideoSpec,
    encoder: ::gif::Encoder<BufWriter<File>>,
    /// The previous frame, to find the rectangle that changed.
    previous: Vec<u8>,
    /// Palette indices of the changed rectangle (reused).
    indices: Vec<u8>,
    /// The rectangle's palette, RGB triples (reused).
    palette: Vec<u8>,
    /// Colour → palette index while building an exact palette (reused).
    lookup: HashMap<u32, u8>,
    /// The rectangle's pixels, for NeuQuant (reused).
    rect_rgb: Vec<u8>,
    frames: u64,
    /// Hundredths of a second shown so far.
    elapsed_cs: u64,
}

impl GifSink {
    /// Creates `path` (replacing an existing file) and writes the GIF
    /// header for frames of `spec`'s size.
    ///
    /// Errors as [`VideoSpec::validate`] does for an invalid spec, with
    /// [`Error::OutOfRange`] ([`Setting::GifFps`](crate::Setting::GifFps)) for a
    /// frame rate above [`GIF_MAX_FPS`], with [`Error::Io`] when the file
    /// cannot be created, and with [`Error::Encode`] (its source the `gif`
    /// encoder's error) when the header cannot be written.
    pub fn create(path: &Path, spec: &VideoSpec) -> Result<Self> {
        spec.validate()?;
        if spec.fps > GIF_MAX_FPS {
            return Err(crate::video::format::gif_fps_error(
                spec.fps,
                Some(path.display().to_string()),
            ));
        }
        // validate() caps sizes at MAX_DIMENSION, below u16::MAX.
        let (w, h) = (spec.width as u16, spec.height as u16);
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut encoder = ::gif::Encoder::new(BufWriter::new(file), w, h, &[])
            .map_err(|e| encode_error(path, "cannot write the GIF header", e))?;
        encoder
            .set_repeat(::gif::Repeat::Infinite)
            .map_err(|e| encode_error(path, "cannot write the GIF header", e))?;
        log::debug!(
            "{}: writing a {}x{} GIF at {} fps",
            path.display(),
            spec.width,
            spec.height,
            spec.fps
        );
        Ok(GifSink {
            path: path.to_path_buf(),
            spec: *spec,
            encoder,
            previous: Vec::new(),
            indices: Vec::new(),
            palette: Vec::new(),
            lookup: HashMap::new(),
            rect_rgb: Vec::new(),
            frames: 0,
            elapsed_cs: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Hundredths of a second from the start to the end of frame `n`
    /// (frames counted from 1).
    fn end_cs(&self, n: u64) -> u64 {
        let fps = u64::from(self.spec.fps);
        (n * 100 + fps / 2) / fps
    }

    /// The rectangle `(left, top, width, height)` where `frame` differs
    /// from the previous one; the whole frame for the first. An unchanged
    /// frame gives its top-left pixel (GIF frames cannot be empty).
    fn changed_rect(&self, frame: &[u8]) -> (usize, usize, usize, usize) {
        let (w, h) = (self.spec.width as usize, self.spec.height as usize);
        if self.previous.len() != frame.len() {
            return (0, 0, w, h);
        }
        let row = w * 3;
        // Row by row (contiguous memory): the first and last differing byte
        // of each row that changed.
        let mut rows = None::<(usize, usize)>;
        let (mut left, mut right) = (w, 0);
        for y in 0..h {
            let now = &frame[y * row..(y + 1) * row];
            let before = &self.previous[y * row..(y + 1) * row];
            if now == before {
                continue;
            }
            let first = now
                .iter()
                .zip(before)
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let last = now
                .iter()
                .zip(before)
                .rposition(|(a, b)| a != b)
                .unwrap_or(first);
            left = left.min(first / 3);
            right = right.max(last / 3);
            rows = Some(rows.map_or((y, y), |(top, _)| (top, y)));
        }
        match rows {
            None => (0, 0, 1, 1),
            Some((top, bottom)) => (left, top, right - left + 1, bottom - top + 1),
        }
    }

    /// Fills `indices` and `palette` with the rectangle's exact colours,
    /// and returns the transparent index given to pixels unchanged since
    /// the previous frame (`None` for the first frame, which has none).
    /// `Err(())` when the changed pixels have more than 255 colours.
    fn exact_palette(
        &mut self,
        frame: &[u8],
        rect: (usize, usize, usize, usize),
    ) -> std::result::Result<Option<u8>, ()> {
        /// Stands for "unchanged" until the palette's size is known.
        const UNCHANGED: u8 = u8::MAX;
        let (left, top, rw, rh) = rect;
        let row = self.spec.width as usize * 3;
        let has_previous = self.previous.len() == frame.len();
        self.lookup.clear();
        self.palette.clear();
        self.indices.clear();
        let mut any_unchanged = false;
        let mut last: Option<(u32, u8)> = None;
        for y in top..top + rh {
            let span = y * row + left * 3..y * row + (left + rw) * 3;
            let line = &frame[span.clone()];
            let before = if has_previous {
                &self.previous[span]
            } else {
                line
            };
            for (px, old) in line.chunks_exact(3).zip(before.chunks_exact(3)) {
                if has_previous && px == old {
                    self.indices.push(UNCHANGED);
                    any_unchanged = true;
                    continue;
                }
                let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
                let index = match last {
                    Some((k, i)) if k == key => i,
                    _ => {
                        let i = match self.lookup.get(&key) {
                            Some(&i) => i,
                            None => {
                                let n = self.lookup.len();
                                if n == usize::from(UNCHANGED) {
                                    return Err(());
                                }
                                self.lookup.insert(key, n as u8);
                                self.palette.extend_from_slice(px);
                                n as u8
                            }
                        };
                        last = Some((key, i));
                        i
                    }
                };
                self.indices.push(index);
            }
        }
        if !any_unchanged {
            return Ok(None);
        }
        // The transparent index follows the colours used.
        let transparent = (self.palette.len() / 3) as u8;
        self.palette.extend_from_slice(&[0, 0, 0]);
        if transparent != UNCHANGED {
            for index in self.indices.iter_mut().filter(|i| **i == UNCHANGED) {
                *index = transparent;
            }
        }
        Ok(Some(transparent))
    }
}

impl VideoSink for GifSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        self.spec.check_frame(frame, &self.path)?;
        let pixels = frame.as_raw();
        let rect = self.changed_rect(pixels);
        let (left, top, rw, rh) = rect;
        let delay = self.end_cs(self.frames + 1) - self.elapsed_cs;
        let mut gif_frame = if let Ok(transparent) = self.exact_palette(pixels, rect) {
            ::gif::Frame {
                palette: Some(std::mem::take(&mut self.palette)),
                transparent,
                buffer: Cow::Borrowed(&self.indices),
                ..::gif::Frame::default()
            }
        } else {
            let row = self.spec.width as usize * 3;
            self.rect_rgb.clear();
            for y in top..top + rh {
                self.rect_rgb
                    .extend_from_slice(&pixels[y * row + left * 3..y * row + (left + rw) * 3]);
            }
            ::gif::Frame::from_rgb_speed(rw as u16, rh as u16, &self.rect_rgb, NEUQUANT_SPEED)
        };
        gif_frame.left = left as u16;
        gif_frame.top = top as u16;
        gif_frame.width = rw as u16;
        gif_frame.height = rh as u16;
        gif_frame.delay = delay as u16;
        gif_frame.dispose = ::gif::DisposalMethod::Keep;
        let written = self.encoder.write_frame(&gif_frame);
        if let Some(palette) = gif_frame.palette.take() {
            self.palette = palette;
        }
        drop(gif_frame);
        written.map_err(|e| encode_error(&self.path, "cannot write a frame", e))?;
        self.encoder
            .get_mut()
            .flush()
            .map_err(|e| Error::io(&self.path, e))?;
        self.previous.clear();
        self.previous.extend_from_slice(pixels);
        self.frames += 1;
        self.elapsed_cs += delay;
        Ok(())
    }

    fn finish(self) -> Result<VideoFacts> {
        let GifSink {
            path,
            spec,
            encoder,
            frames,
            elapsed_cs,
            ..
        } = self;
        let writer = encoder
            .into_inner()
            .map_err(|e| encode_error(&path, "cannot finish the GIF file", e))?;
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        drop(file);
        let bytes = file_bytes(&path)?;
        Ok(VideoFacts {
            // Delays are whole hundredths of a second.
            duration_secs: elapsed_cs as f64 / 100.0,
            ..VideoFacts::new(VideoFormat::Gif, path, spec, frames, bytes)
        })
    }
}

/// An [`Error::Encode`] for `path`: `what` failed with `e` (a
/// `gif::EncodingError`, whose source is the `io::Error` of a failed write,
/// or an `io::Error`).
fn encode_error(
    path: &Path,
    what: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::encode(
        path,
        what,
        "check that the disk is not full and the file was not removed",
        Box::new(e),
    )
}

/// Reading files of this format back.
pub(crate) mod read {
    use std::fs::File;
    use std::io::BufReader;
    use std::path::Path;

    use image::AnimationDecoder;
    use image::codecs::gif::GifDecoder;

    use crate::video::VideoFormat;
    use crate::video::VideoProbe;
    use crate::{Error, Result};

    fn err(path: &Path, what: &str, e: image::ImageError) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            what: what.to_string(),
            hint: "is it a complete GIF file?",
            source: Some(Box::new(e)),
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

    pub(crate) fn probe(path: &Path) -> Result<VideoProbe> {
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
            color: VideoFormat::Gif.color_tags(),
        })
    }

    pub(crate) fn decode_rgb(
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
