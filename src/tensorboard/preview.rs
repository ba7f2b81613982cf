//! [`GifPreview`]: a small animated GIF of a clip, made frame by frame as
//! the clip is encoded, for TensorBoard's Images dashboard.
//!
//! The preview plays at the clip's real speed with fewer, smaller frames:
//!
//! - frames are scaled down (each preview pixel the mean of the clip
//!   pixels it covers) to fit
//!   [`PreviewSettings::max_width`] × [`PreviewSettings::max_height`],
//!   keeping the aspect ratio (never scaled up);
//! - one frame in `stride` is kept, starting with the first; `stride` starts
//!   at the smallest value giving at most [`PreviewSettings::max_fps`]
//!   frames a second, and doubles (dropping every other kept frame) whenever
//!   more than [`PreviewSettings::max_frames`] would be kept, so memory stays
//!   bounded however long the clip is. A clip of `n` frames ends with
//!   `ceil(n / stride)` frames, `stride` the smallest `base · 2^k` for which
//!   that is at most `max_frames`;
//! - kept frame `k` is shown from `round(100·k·stride/fps)` to
//!   `round(100·min((k+1)·stride, n)/fps)` hundredths of a second, so the
//!   preview lasts as long as the clip, to the hundredth.
//!
//! Each kept frame is quantized to its own palette as it arrives: its exact
//! colours when it has at most 256 (classic-control scenes, scaled down,
//! usually do), else 256 chosen by the `gif` crate's NeuQuant; only the
//! quantized frames are kept.
//!
//! ```
//! use gymrec::tensorboard::{GifPreview, PreviewSettings};
//! use gymrec::Frame;
//!
//! # fn main() -> gymrec::Result<()> {
//! // Ten seconds of a 600x400 clip at 50 fps.
//! let mut preview = GifPreview::new("clip.mp4".as_ref(), 600, 400, 50, PreviewSettings::default());
//! let frame = Frame::new(600, 400);
//! for _ in 0..500 {
//!     preview.push(&frame);
//! }
//! assert_eq!(preview.stride(), 2); // 25 fps
//! assert_eq!(preview.frames(), 250);
//! let gif = preview.finish()?;
//! assert_eq!((gif.width, gif.height), (240, 160));
//! # Ok(())
//! # }
//! ```

use super::writer::GifImage;
use crate::frame::Frame;
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// NeuQuant's speed (1 best … 30 fastest); 10 is `gif`'s own default.
const NEUQUANT_SPEED: i32 = 10;

/// The size and rate limits of a [`GifPreview`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewSettings {
    /// The widest a preview frame is (default 240).
    pub max_width: u32,
    /// The tallest a preview frame is (default 240).
    pub max_height: u32,
    /// The most frames a preview has (default 300).
    pub max_frames: usize,
    /// The most frames a second a preview plays (default 25; at most 50,
    /// as browsers slow faster GIFs down).
    pub max_fps: u32,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        PreviewSettings {
            max_width: 240,
            max_height: 240,
            max_frames: 300,
            max_fps: 25,
        }
    }
}

impl PreviewSettings {
    /// The size of a preview of `width` × `height` frames.
    pub fn preview_size(&self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let scale = (f64::from(self.max_width.max(1)) / w)
            .min(f64::from(self.max_height.max(1)) / h)
            .min(1.0);
        let size = |v: f64| ((v * scale).round() as u32).max(1);
        (size(w), size(h))
    }

    /// The stride a preview of a `fps` clip starts with.
    pub fn base_stride(&self, fps: u32) -> u64 {
        let max_fps = self.max_fps.clamp(1, crate::video::GIF_MAX_FPS);
        u64::from(fps.max(1).div_ceil(max_fps))
    }
}

/// A GIF preview being made from a clip's frames; see the
/// [module docs](self).
pub struct GifPreview {
    label: PathBuf,
    settings: PreviewSettings,
    fps: u32,
    width: u32,
    height: u32,
    stride: u64,
    seen: u64,
    frames: Vec<::gif::Frame<'static>>,
    /// The scaled-down frame (reused).
    small: Vec<u8>,
    /// Colour → palette index while building an exact palette (reused).
    lookup: HashMap<u32, u8>,
}

impl std::fmt::Debug for GifPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GifPreview")
            .field("label", &self.label)
            .field("size", &(self.width, self.height))
            .field("fps", &self.fps)
            .field("stride", &self.stride)
            .field("seen", &self.seen)
            .field("frames", &self.frames.len())
            .finish()
    }
}

impl GifPreview {
    /// A preview of a clip of `width` × `height` frames at `fps`; `label`
    /// (the clip's path) names it in errors.
    pub fn new(label: &Path, width: u32, height: u32, fps: u32, settings: PreviewSettings) -> Self {
        let (pw, ph) = settings.preview_size(width, height);
        GifPreview {
            label: label.to_path_buf(),
            settings,
            fps: fps.max(1),
            // GIF sizes are 16-bit.
            width: pw.min(u32::from(u16::MAX)),
            height: ph.min(u32::from(u16::MAX)),
            stride: settings.base_stride(fps),
            seen: 0,
            frames: Vec::new(),
            small: Vec::new(),
            lookup: HashMap::new(),
        }
    }

    /// The clip's next frame.
    pub fn push(&mut self, frame: &Frame) {
        let index = self.seen;
        self.seen += 1;
        if index % self.stride != 0 {
            return;
        }
        if self.frames.len() >= self.settings.max_frames.max(1) {
            self.stride *= 2;
            let mut k = 0;
            self.frames.retain(|_| {
                k += 1;
                k % 2 == 1
            });
            if index % self.stride != 0 {
                return;
            }
        }
        let pixels = if (frame.width(), frame.height()) == (self.width, self.height) {
            frame.as_raw().as_slice()
        } else {
            area_average(frame, self.width, self.height, &mut self.small);
            self.small.as_slice()
        };
        let (w, h) = (self.width as u16, self.height as u16);
        let gif_frame = exact_colours(w, h, pixels, &mut self.lookup)
            .unwrap_or_else(|| ::gif::Frame::from_rgb_speed(w, h, pixels, NEUQUANT_SPEED));
        self.frames.push(gif_frame);
    }

    /// The clip's frames seen so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The preview's frames so far.
    pub fn frames(&self) -> usize {
        self.frames.len()
    }

    /// One clip frame in how many is kept, now.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// The preview's size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The GIF (looping forever). Errors with [`Error::Encode`] naming the
    /// clip when there was no frame or the GIF cannot be encoded.
    pub fn finish(self) -> Result<GifImage> {
        let GifPreview {
            label,
            fps,
            width,
            height,
            stride,
            seen,
            frames,
            ..
        } = self;
        if frames.is_empty() {
            return Err(Error::encode_failed(
                &label,
                "cannot make a GIF preview of a clip with no frames",
                "",
            ));
        }
        let err = |e: ::gif::EncodingError| {
            Error::encode(&label, "cannot encode the GIF preview", "", Box::new(e))
        };
        let cs = |source_frame: u64| (source_frame * 100 + u64::from(fps) / 2) / u64::from(fps);
        let mut bytes = Vec::new();
        {
            let mut encoder =
                ::gif::Encoder::new(&mut bytes, width as u16, height as u16, &[]).map_err(err)?;
            encoder.set_repeat(::gif::Repeat::Infinite).map_err(err)?;
            for (k, mut frame) in (0u64..).zip(frames) {
                let start = cs(k * stride);
                let end = cs(((k + 1) * stride).min(seen));
                frame.delay = u16::try_from(end.saturating_sub(start)).unwrap_or(u16::MAX);
                encoder.write_frame(&frame).map_err(err)?;
            }
        }
        Ok(GifImage {
            width,
            height,
            bytes,
        })
    }
}

/// Scales `frame` down to `width` × `height` into `out` (RGB): each pixel
/// is the rounded mean of the source pixels its area covers (at least one).
fn area_average(frame: &Frame, width: u32, height: u32, out: &mut Vec<u8>) {
    let (sw, sh) = (frame.width() as usize, frame.height() as usize);
    let (w, h) = (width as usize, height as usize);
    let span = |i: usize, n: usize, of: usize| {
        let start = i * of / n;
        (start, ((i + 1) * of / n).max(start + 1).min(of))
    };
    let src = frame.as_raw();
    out.clear();
    out.reserve(w * h * 3);
    for y in 0..h {
        let (y0, y1) = span(y, h, sh);
        for x in 0..w {
            let (x0, x1) = span(x, w, sw);
            let mut sum = [0u32; 3];
            for row in y0..y1 {
                for px in src[(row * sw + x0) * 3..(row * sw + x1) * 3].chunks_exact(3) {
                    sum[0] += u32::from(px[0]);
                    sum[1] += u32::from(px[1]);
                    sum[2] += u32::from(px[2]);
                }
            }
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            out.extend(sum.iter().map(|&v| ((v + n / 2) / n) as u8));
        }
    }
}

/// A frame of `pixels` (RGB) with a palette of exactly their colours, or
/// `None` when they have more than 256.
fn exact_colours(
    width: u16,
    height: u16,
    pixels: &[u8],
    lookup: &mut HashMap<u32, u8>,
) -> Option<::gif::Frame<'static>> {
    lookup.clear();
    let mut palette = Vec::with_capacity(256 * 3);
    let mut indices = Vec::with_capacity(pixels.len() / 3);
    // Runs of one colour are the common case: skip the map for them.
    let mut last: Option<(u32, u8)> = None;
    for px in pixels.chunks_exact(3) {
        let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
        let index = match last {
            Some((k, i)) if k == key => i,
            _ => {
                let i = match lookup.get(&key) {
                    Some(&i) => i,
                    None => {
                        let n = u8::try_from(lookup.len()).ok()?;
                        lookup.insert(key, n);
                        palette.extend_from_slice(px);
                        n
                    }
                };
                last = Some((key, i));
                i
            }
        };
        indices.push(index);
    }
    Some(::gif::Frame {
        width,
        height,
        buffer: std::borrow::Cow::Owned(indices),
        palette: Some(palette),
        ..::gif::Frame::default()
    })
}
