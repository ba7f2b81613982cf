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
//!   `ceil(n / stride)` kept frames, `stride` the smallest `base · 2^k` for which
//!   that is at most `max_frames`;
//! - kept frame `k` is shown from `round(100·k·stride/fps)` to
//!   `round(100·min((k+1)·stride, n)/fps)` hundredths of a second, so the
//!   preview lasts as long as the clip, to the hundredth.
//!
//! Each kept frame is turned into palette indices as it arrives (only
//! those are kept: one byte a preview pixel), into a palette it shares with
//! the frames around it:
//!
//! - while every frame has at most 256 colours (classic-control scenes,
//!   scaled down, usually do), its exact colours, so it decodes to exactly
//!   the scaled frame;
//! - from the first frame with more on, 255 colours NeuQuant (the `gif`
//!   crate's quantizer) chooses for that frame, reused by the later ones:
//!   each colour maps to its nearest palette entry, looked up once and
//!   remembered for the rest of the clip. A frame whose pixels map badly
//!   (more than 1 in 64 of them farther than 24 RGB levels, Euclidean, from
//!   their entry; or, if the frame the palette was chosen for already had
//!   more, twice as many as it had) gets a palette chosen for it, so a clip
//!   whose colours change still looks right.
//!
//! At [`finish`](GifPreview::finish) the first frame is written whole and
//! each later one as the rectangle where its colours differ from the kept
//! frame before it, unchanged pixels in it transparent; a frame that looks
//! like the one before is not written but lengthens that one's delay (so
//! the GIF may have fewer frames than [`frames`](GifPreview::frames), and
//! lasts as long). The GIF's global palette is chosen to serve as many of
//! these frames as it can; the others carry their own.
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
use crate::frame::{BoxScaler, Frame};
use crate::video::codecs::gif::{Clip, centiseconds};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

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
/// [`tensorboard`](crate::tensorboard) docs.
pub struct GifPreview {
    label: PathBuf,
    settings: PreviewSettings,
    fps: u32,
    width: u32,
    height: u32,
    stride: u64,
    seen: u64,
    /// The kept frames, as palette indices.
    clip: Clip,
    scaler: BoxScaler,
    /// The scaled-down frame (RGB, reused).
    small: Vec<u8>,
}

impl std::fmt::Debug for GifPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GifPreview")
            .field("label", &self.label)
            .field("size", &(self.width, self.height))
            .field("fps", &self.fps)
            .field("stride", &self.stride)
            .field("seen", &self.seen)
            .field("frames", &self.clip.len())
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
            clip: Clip::new(),
            scaler: BoxScaler::default(),
            small: Vec::new(),
        }
    }

    /// The clip's next frame.
    pub fn push(&mut self, frame: &Frame) {
        let index = self.seen;
        self.seen += 1;
        if index % self.stride != 0 {
            return;
        }
        if self.clip.len() >= self.settings.max_frames.max(1) {
            self.stride *= 2;
            self.clip.halve();
            if index % self.stride != 0 {
                return;
            }
        }
        let pixels = if (frame.width(), frame.height()) == (self.width, self.height) {
            frame.as_raw().as_slice()
        } else {
            self.scaler
                .scale_into(frame, self.width, self.height, &mut self.small);
            &self.small
        };
        self.clip.push(pixels);
    }

    /// The clip's frames seen so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The preview's frames so far (one in [`stride`](Self::stride) of the
    /// clip's); the GIF shows a run of identical ones as one.
    pub fn frames(&self) -> usize {
        self.clip.len()
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
            clip,
            ..
        } = self;
        if clip.is_empty() {
            return Err(Error::encode_failed(
                &label,
                "cannot make a GIF preview of a clip with no frames",
                "",
            ));
        }
        // Kept frame k shows clip frames k·stride up to (k + 1)·stride.
        let cs = |source_frame: u64| centiseconds(source_frame, fps);
        let delays: Vec<u64> = (0u64..clip.len() as u64)
            .map(|k| cs(((k + 1) * stride).min(seen)).saturating_sub(cs(k * stride)))
            .collect();
        let gif = clip
            .encode(width as u16, height as u16, &delays)
            .map_err(|e| Error::encode(&label, "cannot encode the GIF preview", "", Box::new(e)))?;
        log::debug!(
            "{}: GIF preview of {} kept frames in {} GIF frames ({} with a local palette; \
             {} palettes trained), {} bytes",
            label.display(),
            clip.len(),
            gif.frames,
            gif.local_palettes,
            clip.trained(),
            gif.bytes.len()
        );
        Ok(GifImage {
            width,
            height,
            bytes: gif.bytes,
        })
    }
}
