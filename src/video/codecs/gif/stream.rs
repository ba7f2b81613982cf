//! [`Stream`]: frames turned into GIF frames one by one, as they come, for
//! the GIF writer ([`GifSink`](super::GifSink)): memory stays at one frame
//! however long the video.
//!
//! Each frame becomes one GIF frame: the first whole, each later one the
//! rectangle where its pixels differ from the frame before (a one-pixel
//! frame when none do, as GIF frames cannot be empty), with the pixels in
//! it that did not change transparent. The rectangle's pixels are mapped
//! to the palette the frames of the scene share ([`Palettes`]: exact
//! colours while frames have at most 256, else a NeuQuant palette trained
//! on the whole frame and reused), and the GIF frame carries a local
//! palette of just the colours it draws.

use super::palette::{Palettes, Serial};
use super::rect::{Rect, UNCHANGED, byte_span, changed_rect, gif_frame, local_palette, row};

/// The state between frames of one GIF; see the [module docs](self).
pub(super) struct Stream {
    width: usize,
    height: usize,
    /// The previous frame (RGB), to find what changed; empty before the
    /// first.
    previous: Vec<u8>,
    palettes: Palettes,
    /// The rectangle's pixels (RGB, reused).
    rect_rgb: Vec<u8>,
    /// Their palette indices (reused).
    mapped: Vec<u8>,
    /// Their codes: index, | `UNCHANGED` (reused).
    codes: Vec<u16>,
    /// The GIF frame's indices into its local palette (reused).
    indices: Vec<u8>,
}

impl Stream {
    /// A GIF of `width` × `height` frames, before its first frame.
    pub(super) fn new(width: usize, height: usize) -> Self {
        Stream {
            width,
            height,
            previous: Vec::new(),
            palettes: Palettes::new(),
            rect_rgb: Vec::new(),
            mapped: Vec::new(),
            codes: Vec::new(),
            indices: Vec::new(),
        }
    }

    /// The GIF frame showing `pixels` (RGB, the GIF's size) for `delay`
    /// hundredths of a second, after the frames before.
    pub(super) fn next(&mut self, pixels: &[u8], delay: u16) -> ::gif::Frame<'_> {
        let rect = self.changed_rect(pixels);
        let serial = self.code_rect(pixels, rect);
        self.indices.clear();
        let (palette, transparent) =
            local_palette(&self.codes, self.palettes.rgb(serial), &mut self.indices);
        // Only the current palette is used from now on.
        self.palettes.retain(|_| false);
        self.previous.clear();
        self.previous.extend_from_slice(pixels);
        gif_frame(rect, delay, Some(palette), transparent, &self.indices)
    }

    /// Where `pixels` differ from the previous frame: all of the first
    /// frame; the top-left pixel when nothing changed.
    fn changed_rect(&self, pixels: &[u8]) -> Rect {
        if self.previous.len() != pixels.len() {
            return (0, 0, self.width, self.height);
        }
        let len = self.width * 3;
        changed_rect(self.height, |y| {
            byte_span(row(&self.previous, y, len), row(pixels, y, len), 3)
        })
        .unwrap_or((0, 0, 1, 1))
    }

    /// Maps the pixels of `rect` to the shared palette and fills `codes`;
    /// returns the palette's serial.
    fn code_rect(&mut self, pixels: &[u8], rect: Rect) -> Serial {
        let (left, top, width, height) = rect;
        let row = self.width * 3;
        let spans = (top..top + height).map(|y| y * row + left * 3..y * row + (left + width) * 3);
        self.rect_rgb.clear();
        for span in spans.clone() {
            self.rect_rgb.extend_from_slice(&pixels[span]);
        }
        let serial = self.palettes.map(&self.rect_rgb, pixels, &mut self.mapped);
        self.codes.clear();
        self.codes.extend(self.mapped.iter().map(|&i| u16::from(i)));
        if self.previous.len() != pixels.len() {
            return serial;
        }
        let before = spans.flat_map(|span| self.previous[span].chunks_exact(3));
        let now = self.rect_rgb.chunks_exact(3);
        for ((code, was), is) in self.codes.iter_mut().zip(before).zip(now) {
            if was == is {
                *code |= UNCHANGED;
            }
        }
        serial
    }
}
